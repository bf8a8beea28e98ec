// SPDX-License-Identifier: MIT
// UdpSocket over lib/sys_net.hpp; transfers re-arm the source themselves (sys_net.hpp).

#include <pollux/net/udp_socket.hpp>

#include "../sys_net.hpp"

namespace pollux::inline POLLUX_ABI()::net {

UdpSocket UdpSocket::bind(const SocketAddr& addr, std::error_code& ec) {
  if (!addr.is_ip()) {
    ec = std::make_error_code(std::errc::address_family_not_supported);
    return {};
  }
  UdpSocket socket(sys::socket_open(addr.family(), sys::SocketType::datagram, ec));
  if (ec) return {};
  if ((ec = sys::socket_bind(socket.native_handle(), addr))) return {};
  return socket;
}

UdpSocket UdpSocket::from_native(NativeHandle handle, std::error_code& ec) {
  if ((ec = sys::socket_prepare_adopted(handle))) return {};
  return UdpSocket(handle);
}

std::size_t UdpSocket::send_to(std::span<const std::byte> buf, const SocketAddr& to, std::error_code& ec) {
  return sys::socket_send_to(io_, buf, to, ec);
}

std::size_t UdpSocket::recv_from(std::span<std::byte> buf, SocketAddr& from, std::error_code& ec) {
  return sys::socket_recv_from(io_, buf, from, false, ec);
}

std::size_t UdpSocket::peek_from(std::span<std::byte> buf, SocketAddr& from, std::error_code& ec) {
  return sys::socket_recv_from(io_, buf, from, true, ec);
}

std::error_code UdpSocket::connect(const SocketAddr& addr) {
  if (!addr.is_ip()) return std::make_error_code(std::errc::address_family_not_supported);
  return sys::socket_connect(io_.handle(), addr);
}

std::size_t UdpSocket::send(std::span<const std::byte> buf, std::error_code& ec) {
  return sys::socket_send(io_, buf, ec);
}

std::size_t UdpSocket::recv(std::span<std::byte> buf, std::error_code& ec) {
  return sys::socket_recv(io_, buf, false, ec);
}

std::size_t UdpSocket::peek(std::span<std::byte> buf, std::error_code& ec) {
  return sys::socket_recv(io_, buf, true, ec);
}

SocketAddr UdpSocket::local_addr(std::error_code& ec) const { return sys::socket_local_addr(io_.handle(), ec); }

SocketAddr UdpSocket::peer_addr(std::error_code& ec) const { return sys::socket_peer_addr(io_.handle(), ec); }

std::error_code UdpSocket::take_error(std::error_code& ec) { return sys::socket_take_error(io_.handle(), ec); }

namespace {

std::error_code set(NativeHandle h, sys::SocketOption option, int value) {
  return sys::socket_set_option(h, option, value);
}

int get(NativeHandle h, sys::SocketOption option, std::error_code& ec) {
  return sys::socket_get_option(h, option, ec);
}

}  // namespace

std::error_code UdpSocket::set_broadcast(bool on) { return set(io_.handle(), sys::SocketOption::broadcast, on); }
bool UdpSocket::broadcast(std::error_code& ec) const { return get(io_.handle(), sys::SocketOption::broadcast, ec) != 0; }
std::error_code UdpSocket::set_ttl(int ttl) { return set(io_.handle(), sys::SocketOption::ttl, ttl); }
int UdpSocket::ttl(std::error_code& ec) const { return get(io_.handle(), sys::SocketOption::ttl, ec); }
bool UdpSocket::only_v6(std::error_code& ec) const { return get(io_.handle(), sys::SocketOption::only_v6, ec) != 0; }

std::error_code UdpSocket::set_multicast_loop_v4(bool on) {
  return set(io_.handle(), sys::SocketOption::multicast_loop_v4, on);
}
bool UdpSocket::multicast_loop_v4(std::error_code& ec) const {
  return get(io_.handle(), sys::SocketOption::multicast_loop_v4, ec) != 0;
}
std::error_code UdpSocket::set_multicast_ttl_v4(int ttl) {
  return set(io_.handle(), sys::SocketOption::multicast_ttl_v4, ttl);
}
int UdpSocket::multicast_ttl_v4(std::error_code& ec) const {
  return get(io_.handle(), sys::SocketOption::multicast_ttl_v4, ec);
}
std::error_code UdpSocket::set_multicast_loop_v6(bool on) {
  return set(io_.handle(), sys::SocketOption::multicast_loop_v6, on);
}
bool UdpSocket::multicast_loop_v6(std::error_code& ec) const {
  return get(io_.handle(), sys::SocketOption::multicast_loop_v6, ec) != 0;
}

std::error_code UdpSocket::join_multicast_v4(const Ipv4Addr& group, const Ipv4Addr& iface) {
  return sys::socket_multicast_v4(io_.handle(), group, iface, true);
}
std::error_code UdpSocket::leave_multicast_v4(const Ipv4Addr& group, const Ipv4Addr& iface) {
  return sys::socket_multicast_v4(io_.handle(), group, iface, false);
}
std::error_code UdpSocket::join_multicast_v6(const Ipv6Addr& group, std::uint32_t iface) {
  return sys::socket_multicast_v6(io_.handle(), group, iface, true);
}
std::error_code UdpSocket::leave_multicast_v6(const Ipv6Addr& group, std::uint32_t iface) {
  return sys::socket_multicast_v6(io_.handle(), group, iface, false);
}

}  // namespace pollux::net
