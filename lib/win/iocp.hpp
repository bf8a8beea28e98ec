// SPDX-License-Identifier: MIT
#pragma once
// The I/O completion port every Windows Selector owns.

#include <chrono>
#include <cstddef>
#include <optional>
#include <system_error>

#include "win.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

/// Completion keys name the kind of packet, never a user Token (which lives in the
/// per-source state, so every Token value is usable):
///   kAfd         lpOverlapped is the IoStatusBlock of a socket's AFD poll (sock.hpp)
///   kOverlapped  reserved for overlapped operations on user-bound handles
///   kWaker       a posted wake-up; lpOverlapped is the WakerState
/// Every other key is a route (binding_route.hpp: win::Binding, Poster, JobObject); the
/// selector hands those packets to route_feed, which drops the ones it does not know.
enum CompletionKey : ULONG_PTR {
  kKeyAfd = 0,
  kKeyOverlapped = 1,
  kKeyWaker = 2,
};

class Port {
 public:
  Port() noexcept = default;
  Port(const Port&) = delete;
  Port& operator=(const Port&) = delete;
  ~Port();

  static std::error_code create(Port& port) noexcept;

  HANDLE handle() const noexcept { return handle_; }
  std::error_code associate(HANDLE handle, ULONG_PTR key) noexcept;
  std::error_code post(ULONG_PTR key, void* overlapped, DWORD bytes = 0) noexcept;
  /// Dequeues up to `capacity` packets, waiting at most `ms` (INFINITE blocks). A timeout
  /// is not an error: it returns 0.
  std::size_t wait(OVERLAPPED_ENTRY* entries, std::size_t capacity, DWORD ms, std::error_code& ec) noexcept;

 private:
  HANDLE handle_ = nullptr;
};

/// Milliseconds for a Win32 wait: rounded up, so a wait never ends before `timeout`;
/// INFINITE for nullopt; values that do not fit are capped (callers wait again).
DWORD timeout_ms(std::optional<std::chrono::nanoseconds> timeout) noexcept;

}  // namespace pollux::sys
