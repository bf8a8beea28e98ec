// SPDX-License-Identifier: MIT
#pragma once
// The Waker of the backends that keep it in the library (lib/opaque_backend.cpp).

#include <system_error>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI()::sys {

struct WakerState;
/// bad_file_descriptor for an empty Waker (null).
POLLUX_API std::error_code wake(WakerState* waker) noexcept;

}  // namespace pollux::sys
