// SPDX-License-Identifier: MIT
#pragma once
// Barrier: lets n tasks wait until all n have arrived (tokio's sync::Barrier).
//
//   Barrier ready(3);
//   auto result = co_await ready.wait();   // in each of 3 tasks
//   if (result.is_leader) { ... }          // exactly one of each group of 3
//
// - The n-th arrival releases the n-1 waiting tasks and is the group's leader; it
//   completes at once. The barrier is then ready for the next group of n.
// - Barrier(0) behaves as Barrier(1): every wait completes at once, as the leader.
// - Waiters are woken after the lock is released.
//
// Cancel safety: wait() is cancel-safe in this sense: a task dropped while it waits no
// longer counts as arrived (the group needs another arrival to complete); one dropped
// after its group was released changes nothing.
//
// `co_await barrier.wait()` must be awaited as a temporary; the waiter lives in the
// awaiting frame. A Barrier outlives its waiters; it is not movable.

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/wait_list.hpp>
#include <pollux/exec/detail/waker.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

class Barrier;

/// What `co_await barrier.wait()` gives.
struct BarrierWaitResult {
  /// One task of each released group is the leader (the last to arrive).
  bool is_leader = false;
};

namespace detail {

class POLLUX_EXEC_API BarrierAwaiter {
 public:
  explicit BarrierAwaiter(Barrier& barrier) noexcept : barrier_(&barrier) {}
  BarrierAwaiter(const BarrierAwaiter&) = delete;
  BarrierAwaiter& operator=(const BarrierAwaiter&) = delete;
  ~BarrierAwaiter();

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h) noexcept;
  BarrierWaitResult await_resume() noexcept {
    consumed_ = true;
    return {leader_};
  }

 private:
  friend class pollux::exec::Barrier;
  struct Waiter : WaitNode {
    Waker waker;
  };
  Waiter waiter_;
  Barrier* barrier_;
  std::uint64_t generation_ = 0;  // the group it arrived in
  bool leader_ = false;
  bool queued_ = false;
  bool consumed_ = false;
};

}  // namespace detail

/// wait()'s awaitable, only as a temporary: `co_await barrier.wait()`.
class [[nodiscard]] BarrierWait {
 public:
  BarrierWait(const BarrierWait&) = delete;
  BarrierWait& operator=(const BarrierWait&) = delete;
  /// Awaited as a temporary, where it is made: the call that made it says what it gives.
  detail::BarrierAwaiter operator co_await() && noexcept { return detail::BarrierAwaiter(barrier_); }

 private:
  friend class Barrier;
  explicit BarrierWait(Barrier& barrier) noexcept : barrier_(barrier) {}
  Barrier& barrier_;
};

/// Releases tasks in groups of n, as tokio's Barrier: each wait() completes once n tasks
/// wait, and one of each group is told it is the leader. Reusable for group after group.
class POLLUX_EXEC_API Barrier {
 public:
  /// Groups of `n` (0 is taken as 1).
  explicit Barrier(std::size_t n) noexcept : n_(n == 0 ? 1 : n) {}
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;
  ~Barrier() = default;

  /// `co_await barrier.wait()`: arrives, and waits until the group is complete.
  BarrierWait wait() noexcept { return BarrierWait(*this); }
  /// The group size n.
  std::size_t parties() const noexcept { return n_; }
  /// How many of the current group have arrived (a snapshot, for tests and diagnostics).
  std::size_t arrived() noexcept;

 private:
  friend class detail::BarrierAwaiter;

  std::mutex mutex_;
  detail::WaitList waiters_;     // guarded by mutex_
  const std::size_t n_;
  std::size_t arrived_ = 0;      // guarded by mutex_
  std::uint64_t generation_ = 0;  // groups released so far, guarded by mutex_
};

}  // namespace pollux::exec
