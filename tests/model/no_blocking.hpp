// SPDX-License-Identifier: MIT
#pragma once
// The blocking halves (blocking_acquire, blocking_recv, ...: a thread outside the runtime,
// parked on an exec::Parker) are not modelled by the sync primitives' models: the Parker
// has a model of its own (parker_model.cpp). These are the definitions the real code links
// against; no check reaches them. Include after MODEL_SOURCE, once per model.

namespace pollux::inline POLLUX_ABI()::exec {
Parker::Parker() noexcept {}
Parker::~Parker() {}
void Parker::prepare_park() noexcept { RL_ASSERT(false); }
void Parker::park() noexcept { RL_ASSERT(false); }
namespace detail {
Waker ThreadPark::waker() noexcept {
  RL_ASSERT(false);
  return {};
}
std::error_code blocking_allowed() noexcept {
  return std::make_error_code(std::errc::operation_not_supported);
}
}  // namespace detail
}  // namespace pollux::exec
