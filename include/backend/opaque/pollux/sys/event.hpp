// SPDX-License-Identifier: MIT
#pragma once
// The Event record of the backends that translate at poll time (poll(2), IOCP): pollux's
// own flags, plus what a completion reports on Windows.

#include <cstdint>

#include <pollux/detail/event_flags.hpp>
#include <pollux/token.hpp>

namespace pollux::inline POLLUX_ABI()::sys {

struct NativeEvent {
  Token token{};
  std::uint32_t flags = 0;
  // A completion (Windows): the bytes moved and the OS's status, and what completed (the
  // win::Overlapped's address, or a posted packet's value).
  std::uint32_t bytes = 0;
  std::uint32_t status = 0;
  std::uintptr_t data = 0;
};

constexpr NativeEvent event_make(Token token, std::uint32_t flags) noexcept {
  return NativeEvent{token, flags & detail::kEventAll};
}
constexpr NativeEvent event_make_completion(Token token,
                                            std::uint32_t flags,
                                            std::uintptr_t data,
                                            std::uint32_t bytes,
                                            std::uint32_t status) noexcept {
  return NativeEvent{token, flags & detail::kEventAll, bytes, status, data};
}
constexpr Token event_token(const NativeEvent& e) noexcept { return e.token; }
constexpr std::uint32_t event_flags(const NativeEvent& e) noexcept { return e.flags; }
constexpr std::uintptr_t event_completion_data(const NativeEvent& e) noexcept { return e.data; }
constexpr std::uint32_t event_bytes(const NativeEvent& e) noexcept { return e.bytes; }
constexpr std::uint32_t event_os_status(const NativeEvent& e) noexcept { return e.status; }

}  // namespace pollux::sys
