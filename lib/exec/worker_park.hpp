// SPDX-License-Identifier: MIT
#pragma once
// How an idle thread of a scheduler sleeps and is woken: the one seam between the
// schedulers and whatever blocks. A thread with nothing to run first tries to take its
// runtime's I/O driver and waits in Poll::poll (until an event, its next timer, or an
// unpark, which then goes through the driver's pollux::Waker); when another thread
// already drives, it sleeps on its Parker. Schedulers call nothing else to sleep or wake.
//
// The driver a thread uses is its current scheduler's (found through the thread's
// Context), so a scheduler needs no set-up for it. A return from park() may be spurious
// (an event or timer woke tasks, or a stale unpark): schedulers re-check their queues.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

#include <pollux/exec/parker.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

class IoDriver;

class WorkerPark {
 public:
  void park() noexcept { (void)park_impl(std::nullopt); }
  // false when the timeout passed without an unpark.
  bool park_for(std::chrono::nanoseconds timeout) noexcept { return park_impl(timeout); }
  // From any thread; an unpark before park makes that park return at once.
  void unpark() noexcept;
  // unpark() from the owner thread itself: it is not asleep, it is running code that
  // ends by looking at the state (before a park, or inside the driver's turn, which does
  // not wait again after dispatching). The note is all it needs; a driver wake would only
  // make the next poll return at once with nothing.
  void unpark_self() noexcept { state_.store(kNotified, std::memory_order_relaxed); }
  // Between tasks: if no other thread drives, polls the driver without waiting, so that
  // I/O and timers progress even while every thread is busy.
  void poll_events() noexcept;

 private:
  bool park_impl(std::optional<std::chrono::nanoseconds> timeout) noexcept;

  static constexpr std::uint8_t kEmpty = 0;
  static constexpr std::uint8_t kParkedParker = 1;
  static constexpr std::uint8_t kParkedDriver = 2;
  static constexpr std::uint8_t kNotified = 3;

  std::atomic<std::uint8_t> state_{kEmpty};
  // The driver this thread waits in, stored before state_ becomes kParkedDriver. Atomic
  // because a late unparker may still read it while the thread stores it for its next
  // park (the same value: a runtime's threads all use its one driver).
  std::atomic<IoDriver*> driver_{nullptr};
  Parker parker_;
};

}  // namespace pollux::exec::detail
