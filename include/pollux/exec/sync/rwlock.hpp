// SPDX-License-Identifier: MIT
#pragma once
// RwLock<T>: an async reader-writer lock around a T (tokio's sync::RwLock): any number
// of readers at once, or one writer.
//
//   RwLock<Config> config;
//   { auto r = co_await config.read();  use(r->port); }      // const access, shared
//   { auto w = co_await config.write(); w->port = 8080; }    // exclusive
//
// - Fair: one FIFO queue for readers and writers (a Semaphore of kMaxReaders permits; a
//   reader takes one, a writer all). A waiting writer holds back the readers that come
//   after it, so writers are not starved, and the readers before it still read.
// - try_read()/try_write(): resource_unavailable_try_again when they would wait.
// - blocking_read()/blocking_write(), for threads outside the runtime; on a runtime's
//   thread they refuse with resource_deadlock_would_occur.
// - Guards unlock when destroyed (or by unlock()).
//
// Cancel safety: read() and write() are cancel-safe: a task dropped while it waits
// leaves the queue and gives back what was handed to it (a writer may hold part of the
// permits while the readers before it finish: those go to the next waiters).
//
// Awaited as temporaries; the waiter lives in the awaiting frame. Not movable.

#include <cstddef>
#include <utility>

#include <pollux/exec/detail/lock_guard.hpp>
#include <pollux/exec/sync/semaphore.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// Shared, read-only access to an RwLock's value; releases it when destroyed.
template <class T>
using RwLockReadGuard = detail::LockGuard<const T>;
/// Exclusive access to an RwLock's value; releases it when destroyed.
template <class T>
using RwLockWriteGuard = detail::LockGuard<T>;

/// A value behind a FIFO-fair readers-writer lock for tasks, as tokio's RwLock: many
/// readers or one writer; a waiting writer is not overtaken by later readers. Built on
/// Semaphore (a writer takes every permit).
template <class T>
class RwLock {
 public:
  /// How many readers may hold it at once.
  static constexpr std::size_t kMaxReaders = std::size_t{1} << 30;

  RwLock() = default;
  /// Holds `value`.
  explicit RwLock(T value) : value_(std::move(value)) {}
  RwLock(const RwLock&) = delete;
  RwLock& operator=(const RwLock&) = delete;

  /// `RwLockReadGuard<T> r = co_await lock.read();`
  detail::Lock<const T> read() noexcept { return {sem_, 1, &value_}; }
  /// `RwLockWriteGuard<T> w = co_await lock.write();`
  detail::Lock<T> write() noexcept { return {sem_, kMaxReaders, &value_}; }
  ///@{
  /// The read or write lock now, or resource_unavailable_try_again.
  detail::LockResult<const T> try_read() noexcept {
    return detail::lock_result<const T>(sem_.try_acquire(1), &value_);
  }
  detail::LockResult<T> try_write() noexcept {
    return detail::lock_result(sem_.try_acquire(kMaxReaders), &value_);
  }
  ///@}
  ///@{
  /// read() and write() for a thread outside the runtime (as Mutex::blocking_lock).
  detail::LockResult<const T> blocking_read() noexcept {
    return detail::lock_result<const T>(sem_.blocking_acquire(1), &value_);
  }
  detail::LockResult<T> blocking_write() noexcept {
    return detail::lock_result(sem_.blocking_acquire(kMaxReaders), &value_);
  }
  ///@}

 private:
  Semaphore sem_{kMaxReaders};
  T value_{};
};

}  // namespace pollux::exec
