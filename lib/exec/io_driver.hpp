// SPDX-License-Identifier: MIT
#pragma once
// IoDriver: the runtime's reactor, a pollux::Poll shared by all of a runtime's threads,
// with its timers. One thread at a time drives it (the driver lock, taken with
// try_lock by a thread that has nothing to run); the others park on their Parker, and
// a Waker registered under token 0 makes the driving thread return when it is needed
// elsewhere (work arrived for it, or a timer earlier than its sleep was filed).
//
// Every source is registered once, for read and write, under a token that is the
// address of its ScheduledIo. A record is freed only at the start of a later turn than
// the one in which its source was removed, so that the events of a batch being
// dispatched never name freed memory, and polls that start later never name it at all.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <vector>

#include <pollux/event.hpp>
#include <pollux/poll.hpp>
#include <pollux/waker.hpp>

#include "scheduled_io.hpp"
#include "timer_driver.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

class IoDriver {
 public:
  static std::shared_ptr<IoDriver> create(std::error_code& ec);
  ~IoDriver();
  IoDriver(const IoDriver&) = delete;
  IoDriver& operator=(const IoDriver&) = delete;

  const Registry& registry() const noexcept { return poll_.registry(); }
  TimerDriver& timers() noexcept { return timers_; }

  bool try_lock() noexcept { return !driving_.exchange(true, std::memory_order_acquire); }
  void unlock() noexcept { driving_.store(false, std::memory_order_release); }

  // The lock holder's turn: waits for events at most `max_wait` (nullopt: no bound but
  // the next timer), sets the readiness they carry, wakes the waiters, fires due timers.
  void turn(std::optional<std::chrono::nanoseconds> max_wait) noexcept;
  // From any thread: the current or next turn returns without waiting.
  void wake() noexcept;
  // How many times wake() was called (RuntimeStats::driver_wakes).
  std::uint64_t wakes() const noexcept { return wakes_.load(std::memory_order_relaxed); }

  // The runtime stopped: every live record is marked dead and its waiters woken, so
  // that objects outliving the runtime report errors instead of waiting for ever.
  void shutdown() noexcept;

  // A new record for a source about to be registered; null when out of memory.
  ScheduledIo* allocate() noexcept;
  // After its source has been removed from the registry: wakes its waiters (they see
  // kShutdown) and frees it at the start of a later turn.
  void release(ScheduledIo* io) noexcept;

  static Token token_of(const ScheduledIo* io) noexcept {
    return Token(reinterpret_cast<std::uintptr_t>(io));
  }

 private:
  IoDriver() = default;
  void free_released() noexcept;

  static constexpr Token kWakerToken{0};
  static constexpr std::size_t kEventCapacity = 1024;

  Poll poll_;
  Events events_{kEventCapacity};
  pollux::Waker waker_;
  std::atomic<bool> driving_{false};
  std::atomic<std::uint64_t> wakes_{0};
  // Ticks are never 0, the tick a new record starts with: a task's first clear can then
  // only match readiness no turn has set.
  std::uint32_t tick_ = 0;  // lock holder only
  TimerDriver timers_;

  // Bumped (release) after each record is made, read (acquire) after each poll: the
  // kernel already orders a record's epoll_ctl before the event that names it, but a
  // thread sanitizer cannot see that, so this makes the record's construction visible
  // to the driving thread in terms it understands, for one load per turn.
  std::atomic<std::uint64_t> published_{0};

  std::mutex mutex_;
  ScheduledIo* live_ = nullptr;          // guarded by mutex_
  std::vector<ScheduledIo*> released_;   // guarded by mutex_
  std::vector<ScheduledIo*> to_free_;    // lock holder only
};

}  // namespace pollux::exec::detail
