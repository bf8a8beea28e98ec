// SPDX-License-Identifier: MIT
// sleep, sleep_until and Interval over the runtime's TimerDriver.

#include <pollux/exec/coop.hpp>
#include <pollux/exec/interval.hpp>
#include <pollux/exec/sleep.hpp>

#include <thread>

#include <pollux/exec/detail/deadline.hpp>

#include "io_op.hpp"
#include "timer_await.hpp"

namespace pollux::inline POLLUX_ABI()::exec {

Task<void> sleep_until(std::chrono::steady_clock::time_point deadline) {
  std::shared_ptr<detail::IoDriver> driver = detail::current_driver();
  if (!driver) {
    std::this_thread::sleep_until(deadline);
    co_return;
  }
  if (std::chrono::steady_clock::now() >= deadline) {
    co_await consume_budget();
    co_return;
  }
  co_await detail::TimerAwait(*driver, deadline);
}

Task<void> sleep(std::chrono::nanoseconds duration) {
  return sleep_until(detail::saturating_deadline(std::chrono::steady_clock::now(), duration));
}

Interval::Interval(Clock::time_point start, std::chrono::nanoseconds period) noexcept
    : next_(start), period_(period > std::chrono::nanoseconds::zero()
                                ? period
                                : std::chrono::nanoseconds(std::chrono::milliseconds(1))) {}

Task<Interval::Clock::time_point> Interval::tick() {
  const Clock::time_point due = next_;
  co_await sleep_until(due);
  // Only a tick that completed moves the schedule: a dropped tick() consumes nothing.
  next_ = detail::saturating_deadline(due, period_);
  co_return due;
}

void Interval::reset() noexcept { next_ = detail::saturating_deadline(Clock::now(), period_); }

}  // namespace pollux::exec
