// SPDX-License-Identifier: MIT
// Signals: the portable checks in front of the per-OS contract of lib/signals_sys.hpp.

#include <pollux/signals.hpp>

#include "readable_source.hpp"
#include "signals_sys.hpp"

namespace pollux::inline POLLUX_ABI() {

Signals Signals::create(std::span<const int> signals, std::error_code& ec) {
  Signals result;
  if (signals.empty()) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return result;
  }
  result.state_.reset(sys::signals_create(signals, ec));
  return result;
}

int Signals::ctrl_c() noexcept { return sys::signals_ctrl_c(); }

Signals::~Signals() = default;

void Signals::Deleter::operator()(sys::SignalsState* state) const noexcept {
  sys::signals_destroy(state);
}

int Signals::read(std::error_code& ec) {
  if (!state_) {
    ec = detail::closed_source();
    return 0;
  }
  return sys::signals_read(*state_, ec);
}

std::error_code Signals::add_to(const Registry& registry, Token token, Interest interest) {
  if (!state_) return detail::closed_source();
  if (auto ec = detail::check_readable_only(registry, interest)) return ec;
  return sys::signals_add(*state_, registry, token);
}

std::error_code Signals::modify_in(const Registry& registry, Token token, Interest interest) {
  if (!state_) return detail::closed_source();
  if (auto ec = detail::check_readable_only(registry, interest)) return ec;
  return sys::signals_modify(*state_, registry, token);
}

std::error_code Signals::remove_from(const Registry& registry) {
  if (!state_) return detail::closed_source();
  if (!registry.sys_selector()) return detail::closed_source();
  return sys::signals_remove(*state_, registry);
}

}  // namespace pollux
