// SPDX-License-Identifier: MIT
// win::Overlapped against the SDK's OVERLAPPED, and Win32 status codes as error codes.

#include <cstddef>
#include <type_traits>

#include <pollux/win/overlapped.hpp>

#include "error.hpp"
#include "overlapped_access.hpp"

namespace pollux::inline POLLUX_ABI()::win {

// The public header mirrors OVERLAPPED so that it needs no <windows.h>; the kernel writes
// Internal and InternalHigh through the address native() hands out, so every byte counts.
static_assert(sizeof(detail::RawOverlapped) == sizeof(OVERLAPPED));
static_assert(alignof(detail::RawOverlapped) == alignof(OVERLAPPED));
static_assert(offsetof(detail::RawOverlapped, internal) == offsetof(OVERLAPPED, Internal));
static_assert(offsetof(detail::RawOverlapped, internal_high) == offsetof(OVERLAPPED, InternalHigh));
static_assert(offsetof(detail::RawOverlapped, offset) == offsetof(OVERLAPPED, Offset));
static_assert(offsetof(detail::RawOverlapped, offset_high) == offsetof(OVERLAPPED, OffsetHigh));
static_assert(offsetof(detail::RawOverlapped, event) == offsetof(OVERLAPPED, hEvent));
static_assert(sizeof(_OVERLAPPED) == sizeof(OVERLAPPED));
// The packet's lpOverlapped is the Overlapped's own address: raw_ must come first.
static_assert(std::is_standard_layout_v<Overlapped>);

std::error_code status_code(std::uint32_t win32_error) noexcept {
  if (win32_error == 0) return {};
  return sys::win_error(static_cast<DWORD>(win32_error));
}

}  // namespace pollux::win
