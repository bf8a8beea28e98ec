// Runtime: the public face; everything it does is one of the two schedulers.

#include <pollux/exec/runtime.hpp>

#include <new>
#include <thread>

#include "current_thread.hpp"
#include "multi_thread.hpp"
#include "scheduler.hpp"

namespace pollux::exec {

Runtime Runtime::create(const RuntimeOptions& options, std::error_code& ec) noexcept {
  ec.clear();
  if (options.flavor == Flavor::current_thread) {
    auto* s = new (std::nothrow) detail::CurrentThread(options);
    if (s == nullptr) ec = std::make_error_code(std::errc::not_enough_memory);
    return Runtime{s};
  }
  unsigned workers = options.workers;
  if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
  auto* s = new (std::nothrow) detail::MultiThread(options, workers);
  if (s == nullptr) {
    ec = std::make_error_code(std::errc::not_enough_memory);
    return Runtime{};
  }
  ec = s->start();
  if (ec) {
    delete s;
    return Runtime{};
  }
  return Runtime{s};
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
  delete scheduler_;
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
  return scheduler_ ? scheduler_->stats() : RuntimeStats{};
}

}  // namespace pollux::exec
