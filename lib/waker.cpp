// SPDX-License-Identifier: MIT
// Waker: portable half; the backend supplies the mechanism.

#include <pollux/poll.hpp>
#include <pollux/waker.hpp>

#include "sys.hpp"

namespace pollux::inline POLLUX_ABI() {

void Waker::Deleter::operator()(sys::WakerState* state) const noexcept { sys::waker_destroy(state); }

Waker::Waker(const Registry& registry, Token token, std::error_code& ec) {
  if (!registry.sys_selector()) {
    ec = std::make_error_code(std::errc::bad_file_descriptor);
    return;
  }
  state_.reset(sys::waker_create(registry.sys_selector(), token, ec));
}

Waker::Waker(Waker&&) noexcept = default;
Waker& Waker::operator=(Waker&&) noexcept = default;
Waker::~Waker() = default;

}  // namespace pollux
