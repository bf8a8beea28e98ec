// SPDX-License-Identifier: MIT
#pragma once
// saturating_deadline: `from + d` on steady_clock without overflow. A wait for the
// longest durations (nanoseconds::max() for "no limit") must not wrap round to a
// deadline in the past and complete at once, which signed overflow (undefined
// behaviour) did in practice. Every timer of pollux-exec computes its deadline here.

#include <chrono>
#include <type_traits>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

// `from + d`, clamped to time_point::max() (a deadline that never comes); a negative or
// zero `d` gives `from` (past already, if `from` is now).
inline std::chrono::steady_clock::time_point saturating_deadline(
    std::chrono::steady_clock::time_point from, std::chrono::nanoseconds d) noexcept {
  using Clock = std::chrono::steady_clock;
  // Every standard library we build with counts steady_clock in nanoseconds; a coarser
  // one would need rounding here.
  static_assert(std::is_same_v<Clock::duration, std::chrono::nanoseconds>);
  if (d <= Clock::duration::zero()) return from;
  // Before the clock's epoch, from + d cannot pass max(); otherwise max() - from is the
  // room left, and computing it cannot overflow.
  if (from >= Clock::time_point() && d > Clock::time_point::max() - from) {
    return Clock::time_point::max();
  }
  return from + d;
}

// The same for a coarser duration (milliseconds::max() as "no limit"), which would
// itself overflow on its way to nanoseconds: clamp it before converting.
template <class Rep, class Period>
inline std::chrono::steady_clock::time_point saturating_deadline(
    std::chrono::steady_clock::time_point from, std::chrono::duration<Rep, Period> d) noexcept {
  using Duration = std::chrono::duration<Rep, Period>;
  if (d <= Duration::zero()) return from;
  if (d >= std::chrono::duration_cast<Duration>(std::chrono::nanoseconds::max())) {
    return std::chrono::steady_clock::time_point::max();
  }
  return saturating_deadline(from, std::chrono::duration_cast<std::chrono::nanoseconds>(d));
}

}  // namespace pollux::exec::detail
