// SPDX-License-Identifier: MIT
#pragma once
// Winsock start-up, once per process.

#include <system_error>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI()::sys {

/// Calls WSAStartup the first time; later calls return the first result. Thread-safe.
/// There is no matching WSACleanup: sockets may outlive every pollux object, and the
/// process's exit releases Winsock anyway.
std::error_code winsock_init() noexcept;

}  // namespace pollux::sys
