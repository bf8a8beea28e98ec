// SPDX-License-Identifier: MIT
#pragma once
// TimerAwait: `co_await TimerAwait{driver, deadline}` suspends the current task until
// the deadline. Destroying it while suspended cancels the timer.

#include <coroutine>

#include <pollux/exec/detail/task_header.hpp>

#include "io_driver.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

class TimerAwait {
 public:
  TimerAwait(IoDriver& driver, TimerDriver::Clock::time_point deadline) noexcept
      : driver_(driver), deadline_(deadline) {}
  TimerAwait(const TimerAwait&) = delete;
  TimerAwait& operator=(const TimerAwait&) = delete;
  ~TimerAwait() {
    if (filed_) driver_.timers().cancel(entry_);
  }

  bool await_ready() const noexcept { return TimerDriver::Clock::now() >= deadline_; }
  bool await_suspend(std::coroutine_handle<> h) noexcept {
    entry_.waker = suspend_current(h);
    bool wake = false;
    if (!driver_.timers().insert(entry_, deadline_, wake)) {
      entry_.waker.reset();
      return false;
    }
    filed_ = true;
    if (wake) driver_.wake();
    return true;
  }
  void await_resume() const noexcept {}

 private:
  IoDriver& driver_;
  TimerDriver::Clock::time_point deadline_;
  TimerEntry entry_;
  bool filed_ = false;
};

}  // namespace pollux::exec::detail
