// SPDX-License-Identifier: MIT
#pragma once
// Naming the calling thread, for debuggers and process listings (RuntimeOptions::
// thread_name). One file per OS implements it; where the OS cannot, it does nothing:
// a name is a courtesy, never a reason to fail.

#include <string>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

void set_current_thread_name(const std::string& name) noexcept;

}  // namespace pollux::exec::detail
