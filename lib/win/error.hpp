// SPDX-License-Identifier: MIT
#pragma once
// Win32, Winsock and NT errors as std::error_code.
//
// Codes keep their Windows value (so messages and logs show the real cause) in
// windows_category(), whose default_error_condition maps them onto std::errc. That map
// is ours because GCC 12's std::system_category() on mingw-w64 maps common Win32 codes
// but no Winsock ones: there, error_code(WSAEWOULDBLOCK, system_category()) !=
// std::errc::operation_would_block, and its message is "Unknown error code".

#include <system_error>

#include "nt.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

const std::error_category& windows_category() noexcept;

inline std::error_code win_error(DWORD code) noexcept {
  return {static_cast<int>(code), windows_category()};
}
inline std::error_code win_error() noexcept { return win_error(GetLastError()); }
inline std::error_code wsa_error() noexcept { return win_error(static_cast<DWORD>(WSAGetLastError())); }
/// Converts through RtlNtStatusToDosError; nt::init() must have succeeded.
std::error_code nt_error(nt::NtStatus status) noexcept;

}  // namespace pollux::sys
