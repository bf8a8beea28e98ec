// SPDX-License-Identifier: MIT
#pragma once
// Lets a plain thread (a block_on caller) sleep until a task completes: a Parker behind
// a Waker, reference-counted because the completing thread may still be inside
// unpark() when the waiting thread sees COMPLETE and returns.

#include <chrono>

#include <pollux/exec/detail/task_header.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

class ThreadWaiter {
 public:
  explicit ThreadWaiter(TaskHeader* task) noexcept;
  ~ThreadWaiter();
  ThreadWaiter(const ThreadWaiter&) = delete;
  ThreadWaiter& operator=(const ThreadWaiter&) = delete;

  // Until the task completes.
  void wait() noexcept;
  // Until it completes or `timeout` passes; true if it completed.
  bool wait_for(std::chrono::nanoseconds timeout) noexcept;

  struct Shared;

 private:
  TaskHeader* task_;
  Shared* shared_;
  bool registered_ = false;
};

}  // namespace pollux::exec::detail
