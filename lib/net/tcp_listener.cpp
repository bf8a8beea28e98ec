// SPDX-License-Identifier: MIT
// TcpListener over lib/sys_net.hpp.

#include <pollux/net/tcp_listener.hpp>

#include "../sys_net.hpp"

namespace pollux::inline POLLUX_ABI()::net {

TcpListener TcpListener::bind(const SocketAddr& addr, std::error_code& ec) {
  if (!addr.is_ip()) {
    ec = std::make_error_code(std::errc::address_family_not_supported);
    return {};
  }
  TcpListener listener(sys::socket_open(addr.family(), sys::SocketType::stream, ec));
  if (ec) return {};
  const auto h = listener.native_handle();
  if ((ec = sys::socket_set_option(h, sys::SocketOption::reuse_address, 1))) return {};
  if ((ec = sys::socket_bind(h, addr))) return {};
  if ((ec = sys::socket_listen(h, kBacklog))) return {};
  return listener;
}

TcpListener TcpListener::from_native(NativeHandle handle, std::error_code& ec) {
  if ((ec = sys::socket_prepare_adopted(handle))) return {};
  return TcpListener(handle);
}

TcpStream TcpListener::accept(std::error_code& ec) {
  auto handle = sys::socket_accept(io_.handle(), nullptr, ec);
  io_.track(ec);
  return TcpStream(handle);
}

TcpStream TcpListener::accept(SocketAddr& peer, std::error_code& ec) {
  auto handle = sys::socket_accept(io_.handle(), &peer, ec);
  io_.track(ec);
  if (ec) peer = {};
  return TcpStream(handle);
}

SocketAddr TcpListener::local_addr(std::error_code& ec) const {
  return sys::socket_local_addr(io_.handle(), ec);
}

std::error_code TcpListener::take_error(std::error_code& ec) { return sys::socket_take_error(io_.handle(), ec); }

std::error_code TcpListener::set_ttl(int ttl) {
  return sys::socket_set_option(io_.handle(), sys::SocketOption::ttl, ttl);
}

int TcpListener::ttl(std::error_code& ec) const {
  return sys::socket_get_option(io_.handle(), sys::SocketOption::ttl, ec);
}

}  // namespace pollux::net
