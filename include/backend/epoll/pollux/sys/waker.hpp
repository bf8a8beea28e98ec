// SPDX-License-Identifier: MIT
#pragma once
// The epoll backend's Waker: an eventfd registered under the Waker's token. A wake is
// one write, inline; the rest is lib/unix/epoll_waker.cpp.

#include <cstdint>
#include <memory>
#include <system_error>

#include <pollux/config.hpp>
#include <pollux/sys/libc.hpp>
#include <pollux/sys/selector.hpp>

namespace pollux::inline POLLUX_ABI()::sys {

struct WakerState {
  int fd;
  std::shared_ptr<Selector> selector;
};

/// A write that did not go through at once: interrupted (retried), or the counter is
/// about to overflow (2^64 - 2 wakes merged): it is reset and written again.
POLLUX_API std::error_code waker_wake_again(int fd) noexcept;

inline std::error_code wake(WakerState* waker) noexcept {
  if (waker == nullptr) [[unlikely]] return std::make_error_code(std::errc::bad_file_descriptor);
  // Each write is a new edge for the edge-triggered registration.
  static constexpr std::uint64_t kOne = 1;
  if (::write(waker->fd, &kOne, sizeof kOne) == sizeof kOne) [[likely]] return {};
  return waker_wake_again(waker->fd);
}

}  // namespace pollux::sys
