// SPDX-License-Identifier: MIT
#include "worker_park.hpp"

#include "context.hpp"
#include "io_driver.hpp"
#include "scheduler.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

namespace {

IoDriver* thread_driver() noexcept {
  const Context* ctx = current_context();
  if (ctx == nullptr || ctx->scheduler == nullptr) return nullptr;
  return ctx->scheduler->io_driver().get();
}

}  // namespace

bool WorkerPark::park_impl(std::optional<std::chrono::nanoseconds> timeout) noexcept {
  // A pending unpark: consume it and return.
  std::uint8_t expected = kNotified;
  if (state_.compare_exchange_strong(expected, kEmpty, std::memory_order_acquire)) return true;

  IoDriver* driver = thread_driver();
  if (driver != nullptr && driver->try_lock()) {
    driver_.store(driver, std::memory_order_relaxed);
    expected = kEmpty;
    // Release: an unparker that sees kParkedDriver reads driver_.
    if (state_.compare_exchange_strong(expected, kParkedDriver, std::memory_order_acq_rel)) {
      driver->turn(timeout);
    }
    const bool notified = state_.exchange(kEmpty, std::memory_order_acquire) == kNotified;
    driver->unlock();
    return notified;
  }

  expected = kEmpty;
  if (!state_.compare_exchange_strong(expected, kParkedParker, std::memory_order_acq_rel)) {
    state_.store(kEmpty, std::memory_order_relaxed);
    return true;
  }
  if (timeout) {
    (void)parker_.park_for(*timeout);
  } else {
    parker_.park();
  }
  // An unparker that saw kParkedParker also unparks the Parker; if it has not yet, the
  // Parker keeps that token and the next park returns early, which is allowed.
  return state_.exchange(kEmpty, std::memory_order_acquire) == kNotified;
}

void WorkerPark::unpark() noexcept {
  switch (state_.exchange(kNotified, std::memory_order_acq_rel)) {
    case kParkedDriver:
      driver_.load(std::memory_order_relaxed)->wake();
      break;
    case kParkedParker:
      parker_.unpark();
      break;
    default:
      break;
  }
}

void WorkerPark::poll_events() noexcept {
  IoDriver* driver = thread_driver();
  if (driver == nullptr || !driver->try_lock()) return;
  driver->turn(std::chrono::nanoseconds::zero());
  driver->unlock();
}

}  // namespace pollux::exec::detail
