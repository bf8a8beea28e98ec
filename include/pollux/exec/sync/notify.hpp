// SPDX-License-Identifier: MIT
#pragma once
// Notify: wakes tasks that wait for "something happened", with no data attached
// (tokio's sync::Notify).
//
//   Notify ready;
//   // task A                         // task B
//   co_await ready.notified();        ready.notify_one();
//
// - notify_one() wakes the longest-waiting task; with no task waiting it stores one
//   permit (at most one), which the next notified() consumes at once.
// - notify_waiters() wakes every task waiting now, and every notified() created before
//   the call (even if not yet awaited); it stores no permit.
// - Waiters are woken in FIFO order; wakers run after the lock is released.
//
// Cancel safety: a task dropped (aborted, or its runtime shut down) while it waits in
// notified() leaves the wait list; if notify_one() had already chosen it, the
// notification passes on to the next waiter (or back to the permit), so none is lost.
//
// `co_await notify.notified()` must be awaited as a temporary; the waiter lives in the
// awaiting coroutine's frame (nothing is allocated per wait). A Notify must outlive
// the tasks that wait on it; it is not movable.

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/wait_list.hpp>
#include <pollux/exec/detail/waker.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

class Notify;

namespace detail {

class POLLUX_EXEC_API NotifyAwaiter {
 public:
  NotifyAwaiter(Notify& notify, std::uint64_t generation) noexcept
      : notify_(&notify), generation_(generation) {}
  NotifyAwaiter(const NotifyAwaiter&) = delete;
  NotifyAwaiter& operator=(const NotifyAwaiter&) = delete;
  ~NotifyAwaiter();

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h) noexcept;
  void await_resume() noexcept { consumed_ = true; }

 private:
  friend class pollux::exec::Notify;
  enum class State : std::uint8_t { waiting, notified_one, notified_all };
  // What the Notify sees, under its lock.
  struct Waiter : WaitNode {
    Waker waker;
    State state = State::waiting;
  };

  Waiter waiter_;
  Notify* notify_;
  std::uint64_t generation_;
  // The awaiting task's own: it took part (queued, or took a notification), and it
  // resumed with the outcome. Between the two, a drop must look under the lock.
  bool engaged_ = false;
  bool consumed_ = false;
};

}  // namespace detail

/// What notified() returns: `co_await notify.notified();`.
class [[nodiscard]] Notified {
 public:
  Notified(const Notified&) = delete;
  Notified& operator=(const Notified&) = delete;
  /// Awaited as a temporary, where it is made: the call that made it says what it gives.
  detail::NotifyAwaiter operator co_await() && noexcept { return {notify_, generation_}; }

 private:
  friend class Notify;
  Notified(Notify& notify, std::uint64_t generation) noexcept
      : notify_(notify), generation_(generation) {}
  Notify& notify_;
  std::uint64_t generation_;
};

/// Wakes tasks without passing data, as tokio's Notify: notify_one() wakes one waiter or
/// stores one permit for the next notified(); notify_waiters() wakes everyone waiting.
class POLLUX_EXEC_API Notify {
 public:
  Notify() noexcept = default;
  Notify(const Notify&) = delete;
  Notify& operator=(const Notify&) = delete;
  ~Notify() = default;

  /// Wakes the first waiting task, or stores the permit if none waits.
  void notify_one() noexcept;
  /// Wakes all the tasks waiting now; stores no permit.
  void notify_waiters() noexcept;
  /// Completes on a notification (or at once on a stored permit).
  Notified notified() noexcept;
  /// How many tasks wait now (a snapshot, for tests and diagnostics; O(waiters)).
  std::size_t waiter_count() noexcept;

 private:
  friend class detail::NotifyAwaiter;
  // Hands a notify_one() on to the first waiter (or to the permit); lock held.
  detail::Waker pass_one_locked() noexcept;

  std::mutex mutex_;
  detail::WaitList waiters_;  // guarded by mutex_
  bool permit_ = false;       // guarded by mutex_
  // Counts notify_waiters() calls; written under mutex_, read by notified().
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace pollux::exec
