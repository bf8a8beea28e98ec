// SPDX-License-Identifier: MIT
#pragma once
// The few pieces of the C library and the kernel ABI that the epoll backend's inline
// headers call, declared here instead of included: <sys/epoll.h>, <sys/socket.h> and
// <unistd.h> would define EPOLLIN, SOCK_STREAM, ::socket, ::bind, ... in every program
// that includes <pollux/pollux.hpp>. A user who includes those headers as well gets the
// same declarations again, which C++ allows because they match glibc's and musl's
// exactly (same types; noexcept where glibc says __THROW). lib/unix/libc_check.cpp
// compiles this header beside the real ones and checks every value and layout.

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <pollux/config.hpp>

// The kernel's record. x86-64 packs it (12 bytes), to match the 32-bit layout the
// syscall was first defined with; every other architecture pads it to 16.
struct epoll_event;

namespace pollux::inline POLLUX_ABI()::sys::libc {

union EpollData {
  void* ptr;
  int fd;
  std::uint32_t u32;
  std::uint64_t u64;
};

#if defined(__x86_64__)
#define POLLUX_EPOLL_PACKED __attribute__((__packed__))
#else
#define POLLUX_EPOLL_PACKED
#endif
struct POLLUX_EPOLL_PACKED EpollEvent {
  std::uint32_t events;
  EpollData data;
};
#undef POLLUX_EPOLL_PACKED

// ssize_t is the signed type of size_t's width on every Linux ABI (glibc and musl).
using SSize = std::make_signed_t<std::size_t>;

inline constexpr std::uint32_t kEpollIn = 0x001;
inline constexpr std::uint32_t kEpollPri = 0x002;
inline constexpr std::uint32_t kEpollOut = 0x004;
inline constexpr std::uint32_t kEpollErr = 0x008;
inline constexpr std::uint32_t kEpollHup = 0x010;
inline constexpr std::uint32_t kEpollRdHup = 0x2000;
inline constexpr std::uint32_t kEpollEt = 1u << 31;
inline constexpr int kEpollCtlAdd = 1;
inline constexpr int kEpollCtlDel = 2;
inline constexpr int kEpollCtlMod = 3;
inline constexpr int kMsgNoSignal = 0x4000;

}  // namespace pollux::sys::libc

extern "C" {
int epoll_ctl(int epfd, int op, int fd, struct epoll_event* event) noexcept;
int epoll_wait(int epfd, struct epoll_event* events, int maxevents, int timeout);
pollux::sys::libc::SSize recv(int fd, void* buf, std::size_t n, int flags);
pollux::sys::libc::SSize send(int fd, const void* buf, std::size_t n, int flags);
pollux::sys::libc::SSize write(int fd, const void* buf, std::size_t n);
}

namespace pollux::inline POLLUX_ABI()::sys::libc {

// The kernel reads and writes the records through these pointers; pollux only ever
// touches them as EpollEvent.
inline epoll_event* kernel_records(EpollEvent* records) noexcept {
  return reinterpret_cast<epoll_event*>(records);
}

}  // namespace pollux::sys::libc
