// SPDX-License-Identifier: MIT
#pragma once
// WaitQueue: "wait until a condition holds; wake everyone when it may have changed", the
// shape of watch's changed() and broadcast's recv(): a mutex, the FIFO of waiters (their
// nodes in the awaiters, so waiting allocates nothing), and wake_all() that wakes them
// after the lock is released. A waiter takes nothing when woken: it rechecks under the
// lock as it resumes, so dropping it at any point loses nothing (cancel-safe).

#include <coroutine>
#include <mutex>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/wait_list.hpp>
#include <pollux/exec/detail/waker.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

class ReadyWait;

class POLLUX_EXEC_API WaitQueue {
 public:
  WaitQueue() noexcept = default;
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;

  // Wakes every waiter queued now; `lock` (of `mutex`) is held on entry, released on return.
  void wake_all(std::unique_lock<std::mutex>& lock) noexcept;

  std::mutex mutex;

 private:
  friend class ReadyWait;
  WaitList waiters_;  // guarded by mutex
};

// Suspends until `ready(ctx)` (called under the queue's lock) holds. The caller reads the
// outcome, under the lock, in its own await_resume.
class POLLUX_EXEC_API ReadyWait {
 public:
  using Ready = bool (*)(const void* ctx) noexcept;
  ReadyWait(WaitQueue* queue, Ready ready, const void* ctx) noexcept
      : queue_(queue), ready_(ready), ctx_(ctx) {}
  ReadyWait(const ReadyWait&) = delete;
  ReadyWait& operator=(const ReadyWait&) = delete;
  ~ReadyWait();

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h) noexcept;

 private:
  friend class WaitQueue;
  struct Waiter : WaitNode {
    Waker waker;
  };
  Waiter waiter_;
  WaitQueue* queue_;
  Ready ready_;
  const void* ctx_;
  bool queued_ = false;  // it suspended: a drop must look under the lock
};

}  // namespace pollux::exec::detail
