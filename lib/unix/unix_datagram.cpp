// SPDX-License-Identifier: MIT
// UnixDatagram over lib/sys_net.hpp and socketpair(2).

#include <pollux/net/unix_datagram.hpp>

#include "socket_pair.hpp"

namespace pollux::inline POLLUX_ABI()::net {

UnixDatagram UnixDatagram::bind(const SocketAddr& addr, std::error_code& ec) {
  if (!addr.is_unix() || addr.is_unix_unnamed()) {
    ec = std::make_error_code(std::errc::address_family_not_supported);
    return {};
  }
  UnixDatagram socket(sys::socket_open(addr.family(), sys::SocketType::datagram, ec));
  if (ec) return {};
  if ((ec = sys::socket_bind(socket.native_handle(), addr))) return {};
  return socket;
}

UnixDatagram UnixDatagram::unbound(std::error_code& ec) {
  UnixDatagram socket(sys::socket_open(SocketAddr::Family::unix_domain, sys::SocketType::datagram, ec));
  if (ec) return {};
  return socket;
}

std::pair<UnixDatagram, UnixDatagram> UnixDatagram::pair(std::error_code& ec) {
  int fds[2];
  if ((ec = sys::socket_pair(sys::SocketType::datagram, fds))) return {};
  return {UnixDatagram(fds[0]), UnixDatagram(fds[1])};
}

UnixDatagram UnixDatagram::from_native(NativeHandle handle, std::error_code& ec) {
  if ((ec = sys::socket_prepare_adopted(handle))) return {};
  return UnixDatagram(handle);
}

std::error_code UnixDatagram::connect(const SocketAddr& addr) {
  if (!addr.is_unix() || addr.is_unix_unnamed()) {
    return std::make_error_code(std::errc::address_family_not_supported);
  }
  return sys::socket_connect(io_.handle(), addr);
}

std::size_t UnixDatagram::send(std::span<const std::byte> buf, std::error_code& ec) {
  return sys::socket_send(io_, buf, ec);
}

std::size_t UnixDatagram::recv(std::span<std::byte> buf, std::error_code& ec) {
  return sys::socket_recv(io_, buf, false, ec);
}

std::size_t UnixDatagram::send_to(std::span<const std::byte> buf, const SocketAddr& to, std::error_code& ec) {
  if (!to.is_unix() || to.is_unix_unnamed()) {
    ec = std::make_error_code(std::errc::address_family_not_supported);
    return 0;
  }
  return sys::socket_send_to(io_, buf, to, ec);
}

std::size_t UnixDatagram::recv_from(std::span<std::byte> buf, SocketAddr& from, std::error_code& ec) {
  auto n = sys::socket_recv_from(io_, buf, from, false, ec);
  // An unbound sender has no address, and the kernel may then return no bytes of it.
  if (!ec && from.is_unspecified()) from = SocketAddr::unix_unnamed();
  return n;
}

std::error_code UnixDatagram::shutdown(Shutdown how) { return sys::socket_shutdown(io_.handle(), how); }

SocketAddr UnixDatagram::local_addr(std::error_code& ec) const {
  return sys::socket_local_addr(io_.handle(), ec);
}

SocketAddr UnixDatagram::peer_addr(std::error_code& ec) const {
  return sys::socket_peer_addr(io_.handle(), ec);
}

std::error_code UnixDatagram::take_error(std::error_code& ec) {
  return sys::socket_take_error(io_.handle(), ec);
}

}  // namespace pollux::net
