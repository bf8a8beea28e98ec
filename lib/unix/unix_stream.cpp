// SPDX-License-Identifier: MIT
// UnixStream over lib/sys_net.hpp (which speaks AF_UNIX on Unix) and socketpair(2).

#include <pollux/net/unix_stream.hpp>

#include "socket_pair.hpp"

namespace pollux::inline POLLUX_ABI()::net {

UnixStream UnixStream::connect(const SocketAddr& addr, std::error_code& ec) {
  if (!addr.is_unix() || addr.is_unix_unnamed()) {
    ec = std::make_error_code(std::errc::address_family_not_supported);
    return {};
  }
  UnixStream stream(sys::socket_open(addr.family(), sys::SocketType::stream, ec));
  if (ec) return {};
  if ((ec = stream.io_.track(sys::socket_connect(stream.native_handle(), addr)))) return {};
  return stream;
}

std::pair<UnixStream, UnixStream> UnixStream::pair(std::error_code& ec) {
  int fds[2];
  if ((ec = sys::socket_pair(sys::SocketType::stream, fds))) return {};
  return {UnixStream(fds[0]), UnixStream(fds[1])};
}

UnixStream UnixStream::from_native(NativeHandle handle, std::error_code& ec) {
  if ((ec = sys::socket_prepare_adopted(handle))) return {};
  return UnixStream(handle);
}

std::size_t UnixStream::read(std::span<std::byte> buf, std::error_code& ec) {
  return sys::socket_recv(io_, buf, false, ec);
}

std::size_t UnixStream::write(std::span<const std::byte> buf, std::error_code& ec) {
  return sys::socket_send(io_, buf, ec);
}

std::size_t UnixStream::read_vectored(std::span<const std::span<std::byte>> bufs, std::error_code& ec) {
  return sys::socket_recv_vectored(io_, bufs, ec);
}

std::size_t UnixStream::write_vectored(std::span<const std::span<const std::byte>> bufs,
                                       std::error_code& ec) {
  return sys::socket_send_vectored(io_, bufs, ec);
}

std::error_code UnixStream::shutdown(Shutdown how) { return sys::socket_shutdown(io_.handle(), how); }

SocketAddr UnixStream::local_addr(std::error_code& ec) const { return sys::socket_local_addr(io_.handle(), ec); }

SocketAddr UnixStream::peer_addr(std::error_code& ec) const { return sys::socket_peer_addr(io_.handle(), ec); }

std::error_code UnixStream::take_error(std::error_code& ec) { return sys::socket_take_error(io_.handle(), ec); }

}  // namespace pollux::net
