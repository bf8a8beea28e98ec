// SPDX-License-Identifier: MIT
#pragma once
// attach: the from_x of the exec types that hold a detail::Registered (Command's pipes,
// SignalStream): the source registered with the current runtime's driver, or, on an
// error, closed and the Registered left as it was.

#include <system_error>
#include <utility>

#include <pollux/exec/detail/registered.hpp>
#include <pollux/interest.hpp>

#include "io_op.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

template <class Source>
std::error_code attach(Registered<Source>& to, Source source, Interest interest) noexcept {
  Registered<Source> fresh;
  fresh.source() = std::move(source);
  if (auto ec = register_source(fresh.io(), fresh.source(), interest)) return ec;
  to = std::move(fresh);
  return {};
}

}  // namespace pollux::exec::detail
