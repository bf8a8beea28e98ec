// SPDX-License-Identifier: MIT
#include "scheduled_io.hpp"

#include <array>
#include <cstddef>
#include <new>
#include <utility>

namespace pollux::inline POLLUX_ABI()::exec::detail {

namespace ready {

namespace {

// Event's six readiness flags (bits 0-5) as the driver's bits: one load per event
// instead of six tests.
constexpr std::array<std::uint8_t, 64> kFromFlags = [] {
  std::array<std::uint8_t, 64> t{};
  for (std::uint32_t f = 0; f < 64; ++f) {
    std::uint32_t bits = 0;
    if ((f & Event::kReadable) != 0) bits |= kReadable;
    if ((f & Event::kWritable) != 0) bits |= kWritable;
    if ((f & Event::kReadClosed) != 0) bits |= kReadClosed;
    if ((f & Event::kWriteClosed) != 0) bits |= kWriteClosed;
    if ((f & Event::kError) != 0) bits |= kError;
    if ((f & Event::kPriority) != 0) bits |= kPriority;
    t[f] = static_cast<std::uint8_t>(bits);
  }
  return t;
}();

}  // namespace

std::uint32_t from_event(const Event& event) noexcept { return kFromFlags[event.flags() & 63u]; }

}  // namespace ready

namespace {

// Wakers are called outside the lock (a wake may run a task inline or take a
// scheduler's locks); this many are gathered per round, as tokio's WakeList. The
// storage is raw: a wake usually has one waiter to take, and building and destroying
// 32 empty Wakers each time cost more than the rest of the wake.
constexpr std::size_t kWakeBatch = 32;

class WakeList {
 public:
  WakeList() noexcept = default;
  WakeList(const WakeList&) = delete;
  WakeList& operator=(const WakeList&) = delete;
  ~WakeList() { wake_all(); }

  bool full() const noexcept { return n_ == kWakeBatch; }
  void push(Waker&& w) noexcept { ::new (slot(n_++)) Waker(std::move(w)); }
  void wake_all() noexcept {
    for (std::size_t i = 0; i < n_; ++i) {
      Waker* w = std::launder(reinterpret_cast<Waker*>(slot(i)));
      w->wake();
      w->~Waker();
    }
    n_ = 0;
  }

 private:
  unsigned char* slot(std::size_t i) noexcept { return storage_ + i * sizeof(Waker); }

  std::size_t n_ = 0;
  alignas(Waker) unsigned char storage_[kWakeBatch * sizeof(Waker)];
};

}  // namespace

void ScheduledIo::clear_readiness(ReadyEvent event) noexcept {
  const std::uint32_t mask = event.ready & ~(ready::kReadClosed | ready::kWriteClosed |
                                             ready::kShutdown);
  std::uint64_t cur = readiness_.load(std::memory_order_acquire);
  for (;;) {
    if (static_cast<std::uint32_t>(cur >> kTickShift) != event.tick) return;
    if ((cur & mask) == 0) return;  // nothing of it left to forget
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
  // A waiter links only through a CAS that finds no readiness for it and sets
  // kHasWaiters; either that CAS came first (seen here) or it fails and sees `bits`.
  if ((next & kHasWaiters) != 0) wake(static_cast<std::uint32_t>(next));
}

void ScheduledIo::shutdown() noexcept {
  readiness_.fetch_or(ready::kShutdown, std::memory_order_acq_rel);
  wake(ready::kShutdown);
}

bool ScheduledIo::link_waiter(IoWaiter& waiter) noexcept {
  lock_.lock();
  std::uint64_t cur = readiness_.load(std::memory_order_acquire);
  for (;;) {
    if ((cur & waiter.interest) != 0) {
      lock_.unlock();
      return false;
    }
    if ((cur & kHasWaiters) != 0) break;
    if (readiness_.compare_exchange_weak(cur, cur | kHasWaiters, std::memory_order_acq_rel,
                                         std::memory_order_acquire)) {
      break;
    }
  }
  waiter.prev = nullptr;
  waiter.next = waiters_;
  if (waiters_ != nullptr) waiters_->prev = &waiter;
  waiters_ = &waiter;
  waiter.linked.store(true, std::memory_order_relaxed);
  lock_.unlock();
  return true;
}

void ScheduledIo::unlink_waiter(IoWaiter& waiter) noexcept {
  // Woken (the usual case): the wake is done with the waiter and took its waker.
  if (!waiter.linked.load(std::memory_order_acquire)) {
    waiter.waker.reset();
    return;
  }
  lock_.lock();
  if (waiter.linked.load(std::memory_order_relaxed)) {
    if (waiter.prev != nullptr) {
      waiter.prev->next = waiter.next;
    } else {
      waiters_ = waiter.next;
    }
    if (waiter.next != nullptr) waiter.next->prev = waiter.prev;
    waiter.prev = waiter.next = nullptr;
    waiter.linked.store(false, std::memory_order_relaxed);
    if (waiters_ == nullptr) readiness_.fetch_and(~kHasWaiters, std::memory_order_relaxed);
  }
  lock_.unlock();
  // A waker the driver did not take (we were not woken) goes with the waiter.
  waiter.waker.reset();
}

void ScheduledIo::wake(std::uint32_t ready) noexcept {
  WakeList batch;
  for (;;) {
    bool more = false;
    lock_.lock();
    IoWaiter* w = waiters_;
    while (w != nullptr) {
      IoWaiter* next = w->next;
      if ((w->interest & ready) != 0) {
        if (batch.full()) {
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
        batch.push(std::move(w->waker));
        w->linked.store(false, std::memory_order_release);
      }
      w = next;
    }
    if (waiters_ == nullptr) readiness_.fetch_and(~kHasWaiters, std::memory_order_relaxed);
    lock_.unlock();
    batch.wake_all();
    if (!more) return;
  }
}

}  // namespace pollux::exec::detail
