// SPDX-License-Identifier: MIT
#pragma once
// Interval: a timer that completes once per period.

#include <chrono>

#include <pollux/exec/config.hpp>
#include <pollux/exec/task.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// Ticks at start, start + period, start + 2 period, ... (steady_clock). A tick that is
/// missed (the task was busy past it) completes at once, as do those after it until the
/// schedule has caught up: the "burst" behaviour of tokio's default. A period of zero
/// or less is taken as 1 ms; a tick that would fall past the clock's range never comes.
///
/// Cancel safety: tick() is safe: dropping it before it completes does not consume a
/// tick. One task at a time awaits a given Interval.
class POLLUX_EXEC_API Interval {
 public:
  /// The clock of the ticks.
  using Clock = std::chrono::steady_clock;

  /// Ticks now, then every `period`.
  explicit Interval(std::chrono::nanoseconds period) noexcept : Interval(Clock::now(), period) {}
  /// Ticks at `start`, then every `period`.
  Interval(Clock::time_point start, std::chrono::nanoseconds period) noexcept;

  /// Waits for the next tick and returns its scheduled instant.
  Task<Clock::time_point> tick();
  /// The next tick comes one period from now.
  void reset() noexcept;
  /// The period, after a zero or negative one was taken as 1 ms.
  std::chrono::nanoseconds period() const noexcept { return period_; }

 private:
  Clock::time_point next_;
  std::chrono::nanoseconds period_;
};

/// An Interval whose first tick completes at once.
inline Interval interval(std::chrono::nanoseconds period) noexcept { return Interval(period); }

}  // namespace pollux::exec
