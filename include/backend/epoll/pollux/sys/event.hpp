// SPDX-License-Identifier: MIT
#pragma once
// The epoll backend's Event record: the kernel's epoll_event itself (as
// libc::EpollEvent, its layout declared in sys/libc.hpp). Poll::poll has the
// kernel write straight into an Events, and the accessors decode the kernel's bits, so
// that a poll translates and copies nothing (mio's Event is the same).

#include <array>
#include <cstdint>

#include <pollux/detail/event_flags.hpp>
#include <pollux/sys/libc.hpp>
#include <pollux/token.hpp>

namespace pollux::inline POLLUX_ABI()::sys {

using NativeEvent = libc::EpollEvent;

// What the kernel's bits mean, as pollux's flags.
constexpr std::uint32_t epoll_flags(std::uint32_t e) noexcept {
  std::uint32_t flags = 0;
  // A hang-up makes a read return at once (EOF), so it counts as readable too.
  if (e & (libc::kEpollIn | libc::kEpollRdHup | libc::kEpollHup)) flags |= detail::kEventReadable;
  if (e & libc::kEpollOut) flags |= detail::kEventWritable;
  if (e & libc::kEpollErr) flags |= detail::kEventError;
  if (e & libc::kEpollPri) flags |= detail::kEventPriority;
  constexpr std::uint32_t kInRdHup = libc::kEpollIn | libc::kEpollRdHup;
  if ((e & libc::kEpollHup) || (e & kInRdHup) == kInRdHup) {
    flags |= detail::kEventReadClosed;
  }
  // EPOLLERR alone is what the write end of a pipe reports when the reader is gone.
  if ((e & libc::kEpollHup) || ((e & libc::kEpollOut) && (e & libc::kEpollErr)) ||
      e == libc::kEpollErr) {
    flags |= detail::kEventWriteClosed;
  }
  return flags;
}

// As a table the decoding is a shift, two masks and a load instead of a chain of tests.
// The six bits it reads are packed into an index: EPOLLIN, EPOLLPRI, EPOLLOUT, EPOLLERR
// and EPOLLHUP are bits 0-4 in the kernel's ABI, EPOLLRDHUP moves from bit 13 to bit 5.
// Bits outside these six are not ones pollux asks for.
static_assert(libc::kEpollIn == 0x01 && libc::kEpollPri == 0x02 && libc::kEpollOut == 0x04 &&
              libc::kEpollErr == 0x08 && libc::kEpollHup == 0x10 && libc::kEpollRdHup == 0x2000);
constexpr std::uint32_t epoll_pack(std::uint32_t e) noexcept { return (e & 0x1f) | ((e >> 8) & 0x20); }

inline constexpr auto kEpollFlags = [] {
  std::array<std::uint8_t, 64> table{};
  for (std::uint32_t i = 0; i < table.size(); ++i) {
    table[i] = static_cast<std::uint8_t>(epoll_flags((i & 0x1f) | ((i & 0x20) << 8)));
  }
  return table;
}();
static_assert(kEpollFlags[epoll_pack(libc::kEpollIn | libc::kEpollRdHup)] ==
              (detail::kEventReadable | detail::kEventReadClosed));
static_assert(kEpollFlags[epoll_pack(libc::kEpollErr)] == (detail::kEventError | detail::kEventWriteClosed));

// An Event made from pollux's flags (Event(token, flags)) carries them as they are,
// marked with EPOLLET: an input-only flag that the kernel never reports, since it masks
// what a file's poll returns with the poll bits alone.
inline constexpr std::uint32_t kMadeEvent = libc::kEpollEt;

constexpr NativeEvent event_make(Token token, std::uint32_t flags) noexcept {
  NativeEvent e{};
  e.events = kMadeEvent | (flags & detail::kEventAll);
  e.data.u64 = token.value();
  return e;
}
constexpr Token event_token(const NativeEvent& e) noexcept { return Token(static_cast<std::size_t>(e.data.u64)); }
constexpr std::uint32_t event_flags(const NativeEvent& e) noexcept {
  const std::uint32_t bits = e.events;
  return (bits & kMadeEvent) ? bits & detail::kEventAll : kEpollFlags[epoll_pack(bits)];
}
// epoll reports readiness only: no completions.
constexpr std::uintptr_t event_completion_data(const NativeEvent&) noexcept { return 0; }
constexpr std::uint32_t event_bytes(const NativeEvent&) noexcept { return 0; }
constexpr std::uint32_t event_os_status(const NativeEvent&) noexcept { return 0; }

}  // namespace pollux::sys
