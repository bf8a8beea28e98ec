// SPDX-License-Identifier: MIT
// The out-of-line definitions of what epoll's header set has inline, for the backends
// whose headers are opaque (poll(2), IOCP): each hands the call to the backend's files.

#include <pollux/net/tcp_stream.hpp>
#include <pollux/waker.hpp>

#include "sys.hpp"
#include "sys_net.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

std::size_t stream_read(detail::IoSource& io, std::span<std::byte> buf, std::error_code& ec) noexcept {
  return socket_recv(io, buf, false, ec);
}

std::size_t stream_write(detail::IoSource& io, std::span<const std::byte> buf, std::error_code& ec) noexcept {
  return socket_send(io, buf, ec);
}

std::error_code wake(WakerState* waker) noexcept {
  if (waker == nullptr) return std::make_error_code(std::errc::bad_file_descriptor);
  return waker_wake(*waker);
}

}  // namespace pollux::sys
