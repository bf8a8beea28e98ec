// SPDX-License-Identifier: MIT
#pragma once
// ScheduledIo: the driver's record of one registered source, after tokio's. The
// readiness the driver last saw is kept in one atomic word together with the driver
// tick that set it, so that a task which met would-block clears only the readiness it
// acted on: if the driver reported an edge after the task looked (a newer tick), the
// clear is skipped and the task tries again instead of waiting for an edge that
// already came. Tasks that wait are linked here, each with the interest it waits for,
// and a readiness change wakes exactly those whose interest it meets.
//
// No mutex on the readiness path: the word also holds a "waiters linked" bit, set by
// link_waiter with the same compare-and-swap that checks the readiness, so a driver
// that sets readiness learns from its own CAS whether anyone waits; only then does it
// take the list's spin lock. A task that finds readiness takes no lock at all. (A
// union of the waiters' interests in place of the bit, to spare the lock when a write
// edge comes while a task waits to read, measured no cheaper on exec_echo.)

#include <atomic>
#include <coroutine>
#include <cstdint>

#include <pollux/event.hpp>
#include <pollux/exec/detail/io_record.hpp>
#include <pollux/exec/detail/task_header.hpp>

#include "spin_lock.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

namespace ready {
std::uint32_t from_event(const Event& event) noexcept;
}  // namespace ready

struct IoWaiter {
  IoWaiter* prev = nullptr;
  IoWaiter* next = nullptr;
  std::uint32_t interest = 0;
  // Written under the record's lock; the wake's last touch of the waiter is the store
  // of false (release), so a waiter that reads false (acquire) is its own again and
  // leaves without the lock.
  std::atomic<bool> linked{false};
  Waker waker;
};

class ScheduledIo : public IoRecordHead {
 public:
  ScheduledIo() noexcept = default;
  ScheduledIo(const ScheduledIo&) = delete;
  ScheduledIo& operator=(const ScheduledIo&) = delete;

  // After would-block: forgets the readiness in `event`, unless the driver has set
  // readiness again since (a newer tick). Closed directions are never forgotten.
  void clear_readiness(ReadyEvent event) noexcept;

  // Driver side: adds `bits` under `tick` and wakes the waiters they satisfy.
  void set_readiness(std::uint32_t tick, std::uint32_t bits) noexcept;
  // Marks the record dead and wakes every waiter.
  void shutdown() noexcept;

  // Waiter side. Returns false when readiness arrived meanwhile (nothing linked).
  bool link_waiter(IoWaiter& waiter) noexcept;
  void unlink_waiter(IoWaiter& waiter) noexcept;

  // The driver's list of live records.
  ScheduledIo* live_prev = nullptr;
  ScheduledIo* live_next = nullptr;

 private:
  void wake(std::uint32_t ready) noexcept;

  // In the low half beside the ready bits (no interest includes it): waiters_ is not
  // empty. Set and cleared under lock_; read by set_readiness from its CAS.
  static constexpr std::uint64_t kHasWaiters = 1u << 31;
  SpinLock lock_;
  IoWaiter* waiters_ = nullptr;  // guarded by lock_
};

// `co_await Readiness{io, ready::kForRead}`: resumes once readiness meets the interest;
// gives the ReadyEvent seen then (ready may be 0 if another task cleared it first:
// the caller loops). Destroying it while suspended unlinks its waiter: cancel-safe.
class Readiness {
 public:
  Readiness(ScheduledIo& io, std::uint32_t interest) noexcept : io_(io) {
    waiter_.interest = interest;
  }
  Readiness(const Readiness&) = delete;
  Readiness& operator=(const Readiness&) = delete;
  ~Readiness() {
    if (suspended_) io_.unlink_waiter(waiter_);
  }

  bool await_ready() noexcept { return io_.ready_event(waiter_.interest).ready != 0; }
  bool await_suspend(std::coroutine_handle<> h) noexcept {
    waiter_.waker = suspend_current(h);
    if (!io_.link_waiter(waiter_)) {
      waiter_.waker.reset();
      return false;
    }
    suspended_ = true;
    return true;
  }
  ReadyEvent await_resume() noexcept { return io_.ready_event(waiter_.interest); }

 private:
  ScheduledIo& io_;
  IoWaiter waiter_;
  bool suspended_ = false;
};

}  // namespace pollux::exec::detail
