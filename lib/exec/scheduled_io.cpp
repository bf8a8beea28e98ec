// SPDX-License-Identifier: MIT
#include "scheduled_io.hpp"

#include <array>
#include <cstddef>

namespace pollux::inline POLLUX_ABI()::exec::detail {

namespace ready {

std::uint32_t from_event(const Event& event) noexcept {
  std::uint32_t bits = 0;
  if (event.is_readable()) bits |= kReadable;
  if (event.is_writable()) bits |= kWritable;
  if (event.is_read_closed()) bits |= kReadClosed;
  if (event.is_write_closed()) bits |= kWriteClosed;
  if (event.is_error()) bits |= kError;
  if (event.is_priority()) bits |= kPriority;
  return bits;
}

}  // namespace ready

namespace {

// Wakers are called outside the lock (a wake may run a task inline or take a
// scheduler's locks); this many are gathered per round, as tokio's WakeList.
constexpr std::size_t kWakeBatch = 32;

}  // namespace

ReadyEvent ScheduledIo::ready_event(std::uint32_t interest) const noexcept {
  const std::uint64_t cur = readiness_.load(std::memory_order_acquire);
  return ReadyEvent{static_cast<std::uint32_t>(cur) & interest,
                    static_cast<std::uint32_t>(cur >> kTickShift)};
}

void ScheduledIo::clear_readiness(ReadyEvent event) noexcept {
  const std::uint32_t mask = event.ready & ~(ready::kReadClosed | ready::kWriteClosed |
                                             ready::kShutdown);
  std::uint64_t cur = readiness_.load(std::memory_order_acquire);
  for (;;) {
    if (static_cast<std::uint32_t>(cur >> kTickShift) != event.tick) return;
    const std::uint64_t next = cur & ~static_cast<std::uint64_t>(mask);
    if (readiness_.compare_exchange_weak(cur, next, std::memory_order_acq_rel,
                                         std::memory_order_acquire)) {
      return;
    }
  }
}

void ScheduledIo::set_readiness(std::uint32_t tick, std::uint32_t bits) noexcept {
  std::uint64_t cur = readiness_.load(std::memory_order_relaxed);
  std::uint64_t next;
  do {
    next = (static_cast<std::uint64_t>(tick) << kTickShift) |
           (static_cast<std::uint32_t>(cur) | bits);
  } while (!readiness_.compare_exchange_weak(cur, next, std::memory_order_acq_rel,
                                             std::memory_order_relaxed));
  wake(static_cast<std::uint32_t>(next));
}

void ScheduledIo::shutdown() noexcept {
  readiness_.fetch_or(ready::kShutdown, std::memory_order_acq_rel);
  wake(ready::kShutdown);
}

bool ScheduledIo::link_waiter(IoWaiter& waiter) noexcept {
  std::lock_guard lock(mutex_);
  // Under the lock, so that a set_readiness after this load finds the waiter linked.
  if ((readiness_.load(std::memory_order_acquire) & waiter.interest) != 0) return false;
  waiter.prev = nullptr;
  waiter.next = waiters_;
  if (waiters_ != nullptr) waiters_->prev = &waiter;
  waiters_ = &waiter;
  waiter.linked = true;
  return true;
}

void ScheduledIo::unlink_waiter(IoWaiter& waiter) noexcept {
  std::lock_guard lock(mutex_);
  if (!waiter.linked) return;
  if (waiter.prev != nullptr) {
    waiter.prev->next = waiter.next;
  } else {
    waiters_ = waiter.next;
  }
  if (waiter.next != nullptr) waiter.next->prev = waiter.prev;
  waiter.prev = waiter.next = nullptr;
  waiter.linked = false;
  // A waker the driver did not take (we were not woken) goes with the waiter.
  waiter.waker.reset();
}

void ScheduledIo::wake(std::uint32_t ready) noexcept {
  std::array<Waker, kWakeBatch> batch;
  for (;;) {
    std::size_t n = 0;
    bool more = false;
    {
      std::lock_guard lock(mutex_);
      IoWaiter* w = waiters_;
      while (w != nullptr) {
        IoWaiter* next = w->next;
        if ((w->interest & ready) != 0) {
          if (n == batch.size()) {
            more = true;
            break;
          }
          if (w->prev != nullptr) {
            w->prev->next = next;
          } else {
            waiters_ = next;
          }
          if (next != nullptr) next->prev = w->prev;
          w->prev = w->next = nullptr;
          w->linked = false;
          batch[n++] = std::move(w->waker);
        }
        w = next;
      }
    }
    for (std::size_t i = 0; i < n; ++i) batch[i].wake();
    if (!more) return;
  }
}

}  // namespace pollux::exec::detail
