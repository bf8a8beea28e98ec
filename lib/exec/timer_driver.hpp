// SPDX-License-Identifier: MIT
#pragma once
// TimerDriver: the runtime's timers. A TimerWheel under a mutex, on a millisecond clock
// that starts when the driver is made. A deadline is rounded up to the next tick, so a
// timer never fires early; the thread that waits in the I/O driver sleeps until the
// earliest deadline, and an insert that comes before that deadline wakes it.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include "timer_wheel.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

class TimerDriver {
 public:
  using Clock = std::chrono::steady_clock;

  TimerDriver() noexcept : origin_(Clock::now()) {}

  // Files `entry` (whose waker is set) for `deadline`. false: the deadline has passed,
  // nothing is filed. `wake_driver` is set when the driver sleeps past this deadline.
  bool insert(TimerEntry& entry, Clock::time_point deadline, bool& wake_driver) noexcept;
  // Takes the entry out if it is still filed; after it returns the entry's waker will
  // not be called (it is dropped here if it was not).
  void cancel(TimerEntry& entry) noexcept;

  // The driver is about to sleep: the earliest deadline, remembered so that earlier
  // inserts know to wake it.
  std::optional<Clock::time_point> prepare_sleep() noexcept;
  // Fires every timer due by now and ends the sleep. Only the I/O driver's holder calls it.
  void fire_due() noexcept;

  std::size_t pending() noexcept;

 private:
  std::uint64_t tick_for_deadline(Clock::time_point deadline) const noexcept;
  std::uint64_t tick_for_now(Clock::time_point now) const noexcept;
  Clock::time_point instant_of(std::uint64_t tick) const noexcept {
    return origin_ + std::chrono::milliseconds(tick);
  }

  static constexpr std::uint64_t kNotSleeping = ~std::uint64_t{0};

  const Clock::time_point origin_;
  std::mutex mutex_;
  TimerWheel wheel_;                         // guarded by mutex_
  std::uint64_t sleeping_until_ = kNotSleeping;  // guarded by mutex_
  // Wakers of the timers being fired; only the thread that holds the I/O driver fires,
  // and the capacity is kept from one turn to the next.
  std::vector<Waker> due_;
};

}  // namespace pollux::exec::detail
