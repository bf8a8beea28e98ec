// SPDX-License-Identifier: MIT
#pragma once
// Semaphore: a count of permits that tasks acquire and give back (tokio's
// sync::Semaphore, the batch one: a task may take several permits at once).
//
//   Semaphore slots(4);
//   auto [ec, permit] = co_await slots.acquire();   // ec: closed
//   ... // at most 4 tasks here; the permit goes back when `permit` is destroyed
//
// - Fair: waiters are served in FIFO order. The first waiter takes permits as they come
//   back, even a part of what it needs, so a large request is not starved by small ones
//   (and a small one waits behind it).
// - acquire(n) completes with a SemaphorePermit (RAII: gives the n back on destruction;
//   forget() keeps them out for good). n == 0 succeeds at once. n > kMaxPermits fails
//   with std::errc::invalid_argument.
// - close(): every waiting acquire and every later acquire/try_acquire fails with
//   std::errc::operation_canceled. Permits held stay valid and still come back.
// - try_acquire(n) never waits: resource_unavailable_try_again when the permits are not
//   there now (or others wait before it).
// - Wakers run after the lock is released. Taking free permits and giving them back
//   while nobody waits is one compare-and-swap on an atomic word; the lock is taken only
//   to queue a waiter, and to give permits back to one.
// - A task out of cooperative budget yields before it takes anything (as tokio's), and
//   acquires when it runs again: no task holds permits while it waits for its turn.
// - blocking_acquire(n), for threads outside the runtime: the same FIFO queue, the thread
//   parked until served (refused with resource_deadlock_would_occur on a runtime's
//   thread; see <pollux/exec/detail/thread_park.hpp>).
//
// Cancel safety: a task dropped while it waits in acquire() gives back what it held:
// the part already assigned to it, or, if it had been granted everything but did not
// resume yet, all of it; those permits go to the next waiters. Its place in the queue is
// lost (a new acquire queues at the back).
//
// `co_await sem.acquire(n)` must be awaited as a temporary; the waiter lives in the
// awaiting coroutine's frame (nothing is allocated per wait). A Semaphore outlives its
// permits and waiters; it is not movable.

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <system_error>
#include <utility>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/wait_list.hpp>
#include <pollux/exec/detail/waker.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

class Semaphore;
namespace detail {
class AcquireAwaiter;
}
namespace mpsc::detail {
class Core;
}

/// Permits taken from a Semaphore; gives them back when destroyed.
class [[nodiscard]] SemaphorePermit {
 public:
  SemaphorePermit() noexcept = default;
  /// Movable; the moved-from SemaphorePermit is empty.
  SemaphorePermit(SemaphorePermit&& other) noexcept
      : sem_(std::exchange(other.sem_, nullptr)), permits_(std::exchange(other.permits_, 0)) {}
  /// Takes over `other`'s permits; the ones this held go back to the semaphore.
  SemaphorePermit& operator=(SemaphorePermit&& other) noexcept {
    if (this != &other) {
      release();
      sem_ = std::exchange(other.sem_, nullptr);
      permits_ = std::exchange(other.permits_, 0);
    }
    return *this;
  }
  SemaphorePermit(const SemaphorePermit&) = delete;
  SemaphorePermit& operator=(const SemaphorePermit&) = delete;
  ~SemaphorePermit() { release(); }

  /// The permits held (0 when empty).
  std::size_t num_permits() const noexcept { return permits_; }
  /// The permits never come back: the semaphore has that many fewer.
  void forget() noexcept {
    sem_ = nullptr;
    permits_ = 0;
  }
  /// Gives the permits back now.
  inline void release() noexcept;

 private:
  friend class Semaphore;
  friend class detail::AcquireAwaiter;
  SemaphorePermit(Semaphore* sem, std::size_t permits) noexcept : sem_(sem), permits_(permits) {}
  Semaphore* sem_ = nullptr;
  std::size_t permits_ = 0;
};

/// What acquire()/try_acquire() give: `auto [error, permit] = ...;`.
struct [[nodiscard]] AcquireResult {
  /// Empty on success.
  std::error_code error;
  /// The permits taken, on success.
  SemaphorePermit permit;
  /// True on success.
  explicit operator bool() const noexcept { return !error; }
};

namespace detail {

class WakeList;
struct AcquireRetry;

class POLLUX_EXEC_API AcquireAwaiter {
 public:
  AcquireAwaiter(Semaphore& sem, std::size_t permits) noexcept;
  AcquireAwaiter(const AcquireAwaiter&) = delete;
  AcquireAwaiter& operator=(const AcquireAwaiter&) = delete;
  ~AcquireAwaiter();

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h) noexcept;
  AcquireResult await_resume() noexcept;

 private:
  friend class pollux::exec::Semaphore;
  friend struct AcquireRetry;
  enum class State : std::uint8_t { waiting, granted, closed };
  // What the Semaphore sees, under its lock.
  struct Waiter : WaitNode {
    Waker waker;
    std::size_t needed = 0;
    std::size_t assigned = 0;
    State state = State::waiting;
  };
  // The acquire itself, the budget spent: true when it queued (the task waits).
  bool start(std::coroutine_handle<> h) noexcept;

  Waiter waiter_;
  // Out of budget: the frame the task yielded to, which acquires when the task runs
  // again (semaphore.cpp); destroyed with the awaiter.
  std::coroutine_handle<> retry_;
  Semaphore* sem_;
  std::error_code error_;  // refused before queueing (bad count)
  // The awaiting task's own: it took part (queued, or was granted or refused), and it
  // resumed with the outcome. Between the two, a drop must look under the lock.
  bool engaged_ = false;
  bool consumed_ = false;
};

}  // namespace detail

/// acquire()'s awaitable, only as a temporary: `co_await sem.acquire(n)`.
class [[nodiscard]] Acquire {
 public:
  Acquire(const Acquire&) = delete;
  Acquire& operator=(const Acquire&) = delete;
  /// Awaited as a temporary, where it is made: the call that made it says what it gives.
  detail::AcquireAwaiter operator co_await() && noexcept { return {sem_, permits_}; }

 private:
  friend class Semaphore;
  Acquire(Semaphore& sem, std::size_t permits) noexcept : sem_(sem), permits_(permits) {}
  Semaphore& sem_;
  std::size_t permits_;
};

/// A counting semaphore for tasks, as tokio's: FIFO fair (an acquire of many permits is
/// not overtaken by later small ones), permits returned by RAII, close() to fail waiters.
/// The base of Mutex and RwLock.
class POLLUX_EXEC_API Semaphore {
 public:
  /// The most permits a semaphore holds (and one acquire asks for).
  static constexpr std::size_t kMaxPermits = SIZE_MAX >> 3;

  /// Starts with `permits` (more than kMaxPermits counts as kMaxPermits).
  explicit Semaphore(std::size_t permits) noexcept
      : state_((permits > kMaxPermits ? kMaxPermits : permits) << kShift) {}
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  ~Semaphore() = default;

  /// Waits for `permits` permits (FIFO); see the header comment for the errors.
  Acquire acquire(std::size_t permits = 1) noexcept { return Acquire(*this, permits); }
  /// Takes `permits` now if they are free and nobody waits before.
  AcquireResult try_acquire(std::size_t permits = 1) noexcept;
  /// acquire() for a thread outside the runtime: blocks it until served, in the same
  /// FIFO queue as the tasks. resource_deadlock_would_occur on a runtime's thread.
  AcquireResult blocking_acquire(std::size_t permits = 1) noexcept;
  /// Adds permits (waking waiters they satisfy). value_too_large, adding nothing, if
  /// the count would pass kMaxPermits.
  [[nodiscard]] std::error_code add_permits(std::size_t permits) noexcept;
  /// Fails every waiting and later acquire; idempotent.
  void close() noexcept;
  /// Whether close() ran.
  bool is_closed() noexcept;
  /// The permits free now (a snapshot).
  std::size_t available_permits() noexcept;
  /// How many acquires wait now (a snapshot, for tests and diagnostics; O(waiters)).
  std::size_t waiter_count() noexcept;

 private:
  friend class SemaphorePermit;
  friend class detail::AcquireAwaiter;
  friend class mpsc::detail::Core;  // a bounded channel's slots: take_free and release
  void release(std::size_t permits) noexcept;
  // The lock-free paths, while nobody queues: take `permits` free ones (false: not
  // there, closed, or others wait), give them back (false: others wait).
  bool take_free(std::size_t permits) noexcept;
  bool give_free(std::size_t permits) noexcept;
  // Under the lock: grants `w` at once or refuses it (false), or queues it with the
  // Waker that make() gives (true). Defined and instantiated in semaphore.cpp.
  template <class MakeWaker>
  bool start_locked(detail::AcquireAwaiter& a, MakeWaker make) noexcept;
  // Adds `permits` and grants them to the queue's head while it can be satisfied; the
  // wakers go to `wakes`, flushed with the lock released when the list fills.
  void release_locked(std::size_t permits, detail::WakeList& wakes,
                      std::unique_lock<std::mutex>& lock) noexcept;

  // state_: the free permits << kShift, kClosed, and kQueued while waiters_ is not
  // empty. kQueued is set and cleared only under mutex_; while it is set, the free count
  // is zero (the queue's head absorbs what comes back) and only mutex_'s holder changes
  // the word, so the lock-free paths, which need it clear, keep FIFO order: nobody takes
  // permits past a waiter.
  static constexpr std::size_t kClosed = 1;
  static constexpr std::size_t kQueued = 2;
  static constexpr unsigned kShift = 2;
  std::atomic<std::size_t> state_;
  std::mutex mutex_;
  detail::WaitList waiters_;  // guarded by mutex_
};

inline void SemaphorePermit::release() noexcept {
  if (sem_ != nullptr && permits_ != 0) sem_->release(permits_);
  sem_ = nullptr;
  permits_ = 0;
}

}  // namespace pollux::exec
