// SPDX-License-Identifier: MIT
#pragma once
// What Mutex and RwLock share: both are a Semaphore (tokio's design) plus the data it
// guards. A lock is an acquire of some permits (Mutex: 1 of 1; RwLock: 1 to read, all of
// them to write), and a guard is the SemaphorePermit plus access to the data, so the
// fairness, the cancel safety and the blocking half are the Semaphore's.

#include <coroutine>
#include <cstddef>
#include <system_error>
#include <utility>

#include <pollux/exec/sync/semaphore.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

/// Access to a locked U (T, or const T for a read lock) until destroyed or unlock().
template <class U>
class [[nodiscard]] LockGuard {
 public:
  LockGuard() noexcept = default;
  LockGuard(SemaphorePermit permit, U* value) noexcept
      : permit_(std::move(permit)), value_(value) {}
  LockGuard(LockGuard&& other) noexcept
      : permit_(std::move(other.permit_)), value_(std::exchange(other.value_, nullptr)) {}
  LockGuard& operator=(LockGuard&& other) noexcept {
    permit_ = std::move(other.permit_);
    value_ = std::exchange(other.value_, nullptr);
    return *this;
  }

  /// Holds the lock (an empty guard comes from a failed try_lock or blocking_lock).
  explicit operator bool() const noexcept { return value_ != nullptr; }
  U& operator*() const noexcept { return *value_; }
  U* operator->() const noexcept { return value_; }
  /// Releases the lock before the guard goes.
  void unlock() noexcept {
    permit_.release();
    value_ = nullptr;
  }

 private:
  SemaphorePermit permit_;
  U* value_ = nullptr;
};

/// What try_lock and blocking_lock give: `auto [error, guard] = m.try_lock();`.
template <class U>
struct [[nodiscard]] LockResult {
  std::error_code error;
  LockGuard<U> guard;
  explicit operator bool() const noexcept { return !error; }
};

template <class U>
LockResult<U> lock_result(AcquireResult acquired, U* value) noexcept {
  if (acquired.error) return {acquired.error, {}};
  return {{}, LockGuard<U>(std::move(acquired.permit), value)};
}

template <class U>
class LockAwaiter {
 public:
  LockAwaiter(Semaphore& sem, std::size_t permits, U* value) noexcept
      : acquire_(sem, permits), value_(value) {}
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h) noexcept { return acquire_.await_suspend(h); }
  // The lock's semaphore is never closed and its counts are valid: this cannot fail.
  LockGuard<U> await_resume() noexcept { return {acquire_.await_resume().permit, value_}; }

 private:
  AcquireAwaiter acquire_;
  U* value_;
};

/// lock()/read()/write()'s awaitable, only as a temporary: `co_await m.lock()`.
template <class U>
class [[nodiscard]] Lock {
 public:
  Lock(Semaphore& sem, std::size_t permits, U* value) noexcept
      : sem_(sem), permits_(permits), value_(value) {}
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;
  LockAwaiter<U> operator co_await() && noexcept { return {sem_, permits_, value_}; }

 private:
  Semaphore& sem_;
  std::size_t permits_;
  U* value_;
};

}  // namespace pollux::exec::detail
