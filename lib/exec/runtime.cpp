// SPDX-License-Identifier: MIT
// Runtime and Handle: the public face; everything they do is one of the two schedulers.

#include <pollux/exec/runtime.hpp>

#include <new>
#include <thread>

#include "current_thread.hpp"
#include "io_driver.hpp"
#include "multi_thread.hpp"
#include "scheduler.hpp"

namespace pollux::inline POLLUX_ABI()::exec {

Runtime Runtime::create(const RuntimeOptions& options, std::error_code& ec) noexcept {
  ec.clear();
  if (options.blocking_keep_alive < std::chrono::milliseconds::zero()) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return Runtime{};
  }
  try {
    if (options.flavor == Flavor::current_thread) return Runtime{new detail::CurrentThread(options)};
    unsigned workers = options.workers;
    if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
    auto* s = new detail::MultiThread(options, workers);
    ec = s->start();
    if (ec) {
      s->release();  // stopped by start(): the only reference
      return Runtime{};
    }
    return Runtime{s};
  } catch (const std::bad_alloc&) {
    // The scheduler, its workers' state, or the copies of the options' hooks and name.
    ec = std::make_error_code(std::errc::not_enough_memory);
    return Runtime{};
  }
}

Runtime& Runtime::operator=(Runtime&& other) noexcept {
  if (this != &other) {
    Runtime old(std::move(*this));
    scheduler_ = std::exchange(other.scheduler_, nullptr);
  }
  return *this;
}

Runtime::~Runtime() {
  if (scheduler_ == nullptr) return;
  // From one of its own threads the runtime cannot stop itself (it would join the
  // calling thread): it is left running rather than freed under its workers.
  if (scheduler_->shutdown()) return;
  // Handles may keep the stopped scheduler's memory for a while: they find it shut down.
  scheduler_->release();
}

Handle Runtime::handle() const noexcept {
  if (scheduler_ == nullptr) return Handle{};
  scheduler_->retain();
  return Handle{scheduler_};
}

std::error_code Runtime::shutdown() noexcept {
  if (scheduler_ == nullptr) return {};
  return scheduler_->shutdown();
}

bool Runtime::is_shut_down() const noexcept {
  return scheduler_ == nullptr || scheduler_->is_shut_down();
}

Flavor Runtime::flavor() const noexcept {
  return scheduler_ ? scheduler_->flavor() : Flavor::multi_thread;
}

unsigned Runtime::workers() const noexcept { return scheduler_ ? scheduler_->workers() : 0; }

RuntimeStats Runtime::stats() const noexcept {
  if (scheduler_ == nullptr) return {};
  RuntimeStats s = scheduler_->stats();
  if (const auto& driver = scheduler_->io_driver()) s.driver_wakes = driver->wakes();
  return s;
}

Handle Handle::current() noexcept {
  // A thread of the runtime runs only while the runtime holds its own reference
  // (shutdown joins them before the Runtime lets go), so taking one more is safe here.
  detail::Scheduler* s = detail::current_scheduler();
  if (s == nullptr) return Handle{};
  s->retain();
  return Handle{s};
}

Handle Handle::current(std::error_code& ec) noexcept {
  Handle h = current();
  if (h.valid()) {
    ec.clear();
  } else {
    ec = std::make_error_code(std::errc::operation_not_permitted);
  }
  return h;
}

bool Handle::is_shut_down() const noexcept {
  return scheduler_ == nullptr || scheduler_->is_shut_down();
}

}  // namespace pollux::exec
