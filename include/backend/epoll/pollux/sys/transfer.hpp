// SPDX-License-Identifier: MIT
#pragma once
// Stream transfers on Linux, inline: the successful call is the system call and a test.
// Would-block, EINTR and real errors go to lib/unix/socket.cpp. A read or write is the
// hot path of every event loop, and a call into the library around libc's wrapper cost
// as much as the wrapper itself.

#include <cerrno>
#include <cstddef>
#include <span>
#include <system_error>

#include <pollux/config.hpp>
#include <pollux/detail/io_source.hpp>
#include <pollux/detail/set_success.hpp>
#include <pollux/sys/libc.hpp>
#include <pollux/would_block.hpp>

namespace pollux::inline POLLUX_ABI()::sys {

/// The failed half of a recv/send that returned -1 (errno untouched since): would-block
/// becomes the canonical code, EINTR is retried, anything else is reported. Would-block
/// itself ends every drain loop and is answered inline (would_block below) once the
/// library's statics hold its code.
POLLUX_API std::size_t stream_read_failed(detail::IoSource& io,
                                          std::span<std::byte> buf,
                                          std::error_code& ec) noexcept;
POLLUX_API std::size_t stream_write_failed(detail::IoSource& io,
                                           std::span<const std::byte> buf,
                                           std::error_code& ec) noexcept;

// Would-block: the canonical code (is_would_block's), and nothing to re-arm on epoll.
// One test: the value is EWOULDBLOCK (EAGAIN on Linux) once the library's statics hold
// the category, and 0 before (lib/unix/would_block.cpp), which no errno equals; the
// caller's out-of-line path then answers alike. (errno != EAGAIN || category == nullptr
// compiled to both tests computed into flags and combined: five instructions more on
// every drain loop's last read.)
inline bool would_block(std::error_code& ec) noexcept {
  const int value = detail::kWouldBlockValue;
  if (errno != value) [[unlikely]] return false;
  ec.assign(value, *detail::kWouldBlockCategory);
  return true;
}

inline std::size_t stream_read(detail::IoSource& io, std::span<std::byte> buf, std::error_code& ec) noexcept {
  const libc::SSize n = ::recv(io.handle(), buf.data(), buf.size(), 0);
  if (n < 0) [[unlikely]] return would_block(ec) ? 0 : stream_read_failed(io, buf, ec);
  detail::set_success(ec);
  return static_cast<std::size_t>(n);
}

inline std::size_t stream_write(detail::IoSource& io, std::span<const std::byte> buf, std::error_code& ec) noexcept {
  // MSG_NOSIGNAL: a write to a closed peer fails with EPIPE instead of raising SIGPIPE.
  const libc::SSize n = ::send(io.handle(), buf.data(), buf.size(), libc::kMsgNoSignal);
  if (n < 0) [[unlikely]] return would_block(ec) ? 0 : stream_write_failed(io, buf, ec);
  detail::set_success(ec);
  return static_cast<std::size_t>(n);
}

}  // namespace pollux::sys
