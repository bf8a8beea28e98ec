// SPDX-License-Identifier: MIT
// Winsock start-up.

#include "winsock.hpp"

#include "error.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

std::error_code winsock_init() noexcept {
  static const std::error_code result = [] {
    WSADATA data;
    // WSAStartup returns its error instead of setting WSAGetLastError.
    int error = WSAStartup(MAKEWORD(2, 2), &data);
    return error == 0 ? std::error_code() : win_error(static_cast<DWORD>(error));
  }();
  return result;
}

}  // namespace pollux::sys
