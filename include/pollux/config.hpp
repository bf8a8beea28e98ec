// SPDX-License-Identifier: MIT
#pragma once
// The export macro and the one place where public headers learn the OS.
// Nothing else belongs here: every other public header is portable.

#include <cstdint>

// POLLUX_ABI, the inline namespace that tags every declaration with its header set.
#include <pollux/sys/abi.hpp>

#if defined(_WIN32)
#define POLLUX_OS_WINDOWS 1
#else
#define POLLUX_OS_UNIX 1
#endif

// Static builds need no decoration. Shared builds on Windows must say which side of the
// DLL boundary a declaration is on; elsewhere hidden visibility makes exports explicit.
#if defined(POLLUX_STATIC)
#define POLLUX_API
#elif defined(_WIN32)
#if defined(POLLUX_BUILDING)
#define POLLUX_API __declspec(dllexport)
#else
#define POLLUX_API __declspec(dllimport)
#endif
#else
#define POLLUX_API __attribute__((visibility("default")))
#endif

namespace pollux::inline POLLUX_ABI() {

// The OS's handle for a socket or descriptor: an fd on Unix, a SOCKET on Windows
// (a UINT_PTR there; we avoid <winsock2.h> in public headers).
#if defined(_WIN32)
/// The OS's handle for a socket: a SOCKET (a UINT_PTR).
using NativeHandle = std::uintptr_t;
/// INVALID_SOCKET: what an empty socket object holds.
inline constexpr NativeHandle kInvalidHandle = ~NativeHandle{0};
#else
/// The OS's handle for a socket or descriptor: an fd.
using NativeHandle = int;
/// -1: what an empty socket object holds.
inline constexpr NativeHandle kInvalidHandle = -1;
#endif

}  // namespace pollux
