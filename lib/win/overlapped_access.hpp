// SPDX-License-Identifier: MIT
#pragma once
// The library's view of win::Overlapped's private state.

#include <pollux/win/overlapped.hpp>

#include "win.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

struct OverlappedAccess {
  static win::detail::RawOverlapped& raw(win::Overlapped& o) noexcept { return o.raw_; }
  static OVERLAPPED* native(win::Overlapped& o) noexcept {
    // Safety: RawOverlapped mirrors OVERLAPPED (checked in overlapped.cpp).
    return reinterpret_cast<OVERLAPPED*>(&o.raw_);
  }
  static win::Overlapped::Handler handler(const win::Overlapped& o) noexcept { return o.handler_; }
  static void* context(const win::Overlapped& o) noexcept { return o.context_; }
  static void*& owner(win::Overlapped& o) noexcept { return o.owner_; }
};

}  // namespace pollux::sys
