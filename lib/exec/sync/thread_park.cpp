// SPDX-License-Identifier: MIT
// ThreadPark's Waker, and the check that refuses to block a runtime's thread.

#include <pollux/exec/detail/thread_park.hpp>

#include "../context.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

namespace {

void park_wake(void* data) noexcept { static_cast<Parker*>(data)->unpark(); }
void park_drop(void*) noexcept {}
void* park_clone(void* data) noexcept { return data; }
constexpr WakerVtable kParkVtable{&park_wake, &park_drop, &park_clone};

}  // namespace

Waker ThreadPark::waker() noexcept { return Waker{&parker_, &kParkVtable}; }

std::error_code blocking_allowed() noexcept {
  const Context* ctx = current_context();
  if (ctx != nullptr && ctx->core != nullptr) {
    return std::make_error_code(std::errc::resource_deadlock_would_occur);
  }
  return {};
}

}  // namespace pollux::exec::detail
