// SPDX-License-Identifier: MIT
#include "io_driver.hpp"

#include <new>

namespace pollux::inline POLLUX_ABI()::exec::detail {

std::shared_ptr<IoDriver> IoDriver::create(std::error_code& ec) {
  ec.clear();
  std::shared_ptr<IoDriver> d(new (std::nothrow) IoDriver());
  if (!d) {
    ec = std::make_error_code(std::errc::not_enough_memory);
    return nullptr;
  }
  d->poll_ = Poll::create(ec);
  if (ec) return nullptr;
  d->waker_ = pollux::Waker(d->poll_.registry(), kWakerToken, ec);
  if (ec) return nullptr;
  return d;
}

IoDriver::~IoDriver() {
  free_released();
  // Handles keep the driver alive, so every record left here was released already.
  std::lock_guard lock(mutex_);
  for (ScheduledIo* io : released_) delete io;
  released_.clear();
}

ScheduledIo* IoDriver::allocate() noexcept {
  auto* io = new (std::nothrow) ScheduledIo();
  if (io == nullptr) return nullptr;
  std::lock_guard lock(mutex_);
  io->live_next = live_;
  if (live_ != nullptr) live_->live_prev = io;
  live_ = io;
  published_.fetch_add(1, std::memory_order_release);
  return io;
}

void IoDriver::release(ScheduledIo* io) noexcept {
  io->shutdown();
  std::lock_guard lock(mutex_);
  if (io->live_prev != nullptr) {
    io->live_prev->live_next = io->live_next;
  } else {
    live_ = io->live_next;
  }
  if (io->live_next != nullptr) io->live_next->live_prev = io->live_prev;
  io->live_prev = io->live_next = nullptr;
  released_.push_back(io);
}

void IoDriver::shutdown() noexcept {
  // Under the lock, so that no record is released (and freed) meanwhile; the wakes only
  // reach schedulers that have stopped, which drop them.
  std::lock_guard lock(mutex_);
  for (ScheduledIo* io = live_; io != nullptr; io = io->live_next) io->shutdown();
}

void IoDriver::free_released() noexcept {
  {
    std::lock_guard lock(mutex_);
    to_free_.swap(released_);
  }
  for (ScheduledIo* io : to_free_) delete io;
  to_free_.clear();
}

void IoDriver::wake() noexcept {
  // Counted on a path that makes a system call anyway.
  wakes_.fetch_add(1, std::memory_order_relaxed);
  (void)waker_.wake();
}

void IoDriver::turn(std::optional<std::chrono::nanoseconds> max_wait) noexcept {
  // Records released before this turn were removed before this poll starts.
  free_released();

  std::optional<std::chrono::nanoseconds> timeout = max_wait;
  if (max_wait != std::chrono::nanoseconds::zero()) {
    if (auto deadline = timers_.prepare_sleep()) {
      const auto now = TimerDriver::Clock::now();
      const auto until = *deadline > now
                             ? std::chrono::duration_cast<std::chrono::nanoseconds>(*deadline - now)
                             : std::chrono::nanoseconds::zero();
      if (!timeout || until < *timeout) timeout = until;
    }
  }
  if (poll_.poll(events_, timeout)) events_.clear();
  (void)published_.load(std::memory_order_acquire);

  if (++tick_ == 0) tick_ = 1;
  for (const Event& ev : events_) {
    if (ev.token() == kWakerToken) continue;
    auto* io = reinterpret_cast<ScheduledIo*>(ev.token().value());
    io->set_readiness(tick_, ready::from_event(ev));
  }
  timers_.fire_due();
}

}  // namespace pollux::exec::detail
