// SPDX-License-Identifier: MIT
#include "timer_driver.hpp"


namespace pollux::inline POLLUX_ABI()::exec::detail {

std::uint64_t TimerDriver::tick_for_deadline(Clock::time_point deadline) const noexcept {
  if (deadline <= origin_) return 0;
  const auto since = deadline - origin_;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since);
  if (ms < since) ++ms;  // round up: never fire before the deadline
  return static_cast<std::uint64_t>(ms.count());
}

std::uint64_t TimerDriver::tick_for_now(Clock::time_point now) const noexcept {
  if (now <= origin_) return 0;
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now - origin_).count());
}

bool TimerDriver::insert(TimerEntry& entry, Clock::time_point deadline,
                         bool& wake_driver) noexcept {
  wake_driver = false;
  const std::uint64_t when = tick_for_deadline(deadline);
  std::lock_guard lock(mutex_);
  // The wheel may lag behind the clock (nobody drove for a while): what is due by the
  // clock is due, whatever the wheel's position.
  if (when <= tick_for_now(Clock::now())) return false;
  entry.when = when;
  if (!wheel_.insert(entry)) return false;
  wake_driver = when < sleeping_until_ && sleeping_until_ != kNotSleeping;
  if (wake_driver) sleeping_until_ = when;
  return true;
}

void TimerDriver::cancel(TimerEntry& entry) noexcept {
  std::lock_guard lock(mutex_);
  wheel_.remove(entry);
  entry.waker.reset();
}

std::optional<TimerDriver::Clock::time_point> TimerDriver::prepare_sleep() noexcept {
  std::lock_guard lock(mutex_);
  const auto next = wheel_.next_expiration();
  // Timers filed meanwhile that are earlier than this wake the sleeper; later ones it
  // picks up when it next computes its timeout.
  sleeping_until_ = next ? *next : kNotSleeping - 1;
  if (!next) return std::nullopt;
  return instant_of(*next);
}

void TimerDriver::fire_due() noexcept {
  const std::uint64_t now = tick_for_now(Clock::now());
  {
    std::lock_guard lock(mutex_);
    sleeping_until_ = kNotSleeping;
    wheel_.advance(now, [&](TimerEntry& e) noexcept { due_.push_back(std::move(e.waker)); });
  }
  // Outside the lock: a wake can take a scheduler's locks, or cancel another timer.
  for (Waker& w : due_) w.wake();
  due_.clear();
}

std::size_t TimerDriver::pending() noexcept {
  std::lock_guard lock(mutex_);
  return wheel_.size();
}

}  // namespace pollux::exec::detail
