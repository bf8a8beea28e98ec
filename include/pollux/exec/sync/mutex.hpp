// SPDX-License-Identifier: MIT
#pragma once
// Mutex<T>: an async mutual-exclusion lock around a T (tokio's sync::Mutex): a task that
// waits for it suspends instead of blocking its thread, and may hold it across awaits.
//
//   Mutex<std::vector<int>> shared;
//   {
//     auto guard = co_await shared.lock();   // MutexGuard<std::vector<int>>
//     guard->push_back(1);
//   }                                        // unlocked here
//
// - Fair: waiters get the lock in FIFO order (it is a Semaphore of one permit).
// - try_lock(): resource_unavailable_try_again while it is held (or others wait).
// - blocking_lock(), for threads outside the runtime: the same queue, the thread parked
//   until its turn; on a runtime's thread it refuses with resource_deadlock_would_occur.
// - The guard unlocks when destroyed (or by guard.unlock()); it may move to another task
//   or thread.
//
// Cancel safety: lock() is cancel-safe: a task dropped while it waits leaves the queue,
// and one dropped after the lock was handed to it but before it resumed unlocks it for
// the next waiter. Its place in the queue is lost.
//
// `co_await m.lock()` must be awaited as a temporary; the waiter lives in the awaiting
// frame. A Mutex outlives its guards and waiters; it is not movable.

#include <utility>

#include <pollux/exec/detail/lock_guard.hpp>
#include <pollux/exec/sync/semaphore.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// Access to a Mutex's value (`*guard`, `guard->`); unlocks when destroyed.
template <class T>
using MutexGuard = detail::LockGuard<T>;

/// A value behind a FIFO-fair lock for tasks, as tokio's Mutex: `co_await m.lock()` for a
/// MutexGuard, which may be held across awaits. Built on Semaphore.
template <class T>
class Mutex {
 public:
  Mutex() = default;
  /// Holds `value`.
  explicit Mutex(T value) : value_(std::move(value)) {}
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  /// `MutexGuard<T> guard = co_await m.lock();` (FIFO).
  detail::Lock<T> lock() noexcept { return {sem_, 1, &value_}; }
  /// The lock now, or resource_unavailable_try_again.
  detail::LockResult<T> try_lock() noexcept { return detail::lock_result(sem_.try_acquire(1), &value_); }
  /// lock() for a thread outside the runtime (see the header comment).
  detail::LockResult<T> blocking_lock() noexcept {
    return detail::lock_result(sem_.blocking_acquire(1), &value_);
  }
  /// Whether a guard holds it now (a snapshot).
  bool is_locked() noexcept { return sem_.available_permits() == 0; }

 private:
  Semaphore sem_{1};
  T value_{};
};

}  // namespace pollux::exec
