#include <pollux/exec/udp_socket.hpp>

#include "io_op.hpp"

namespace pollux::exec {

UdpSocket UdpSocket::from_net(net::UdpSocket socket, std::error_code& ec) {
  UdpSocket u;
  u.socket_ = std::move(socket);
  ec = detail::register_source(u.io_, u.socket_, Interest::readable | Interest::writable);
  if (ec) return UdpSocket{};
  return u;
}

UdpSocket UdpSocket::bind(const net::SocketAddr& addr, std::error_code& ec) {
  net::UdpSocket raw = net::UdpSocket::bind(addr, ec);
  if (ec) return UdpSocket{};
  return from_net(std::move(raw), ec);
}

Task<std::size_t> UdpSocket::send_to(std::span<const std::byte> buf, net::SocketAddr to,
                                     std::error_code& ec) {
  return detail::io_loop<std::size_t>(
      io_, detail::ready::kForWrite, ec,
      [this, buf, to](std::error_code& e) { return socket_.send_to(buf, to, e); });
}

Task<std::size_t> UdpSocket::recv_from(std::span<std::byte> buf, net::SocketAddr& from,
                                       std::error_code& ec) {
  return detail::io_loop<std::size_t>(
      io_, detail::ready::kForRead, ec,
      [this, buf, &from](std::error_code& e) { return socket_.recv_from(buf, from, e); });
}

Task<std::size_t> UdpSocket::send(std::span<const std::byte> buf, std::error_code& ec) {
  return detail::io_loop<std::size_t>(
      io_, detail::ready::kForWrite, ec,
      [this, buf](std::error_code& e) { return socket_.send(buf, e); });
}

Task<std::size_t> UdpSocket::recv(std::span<std::byte> buf, std::error_code& ec) {
  return detail::io_loop<std::size_t>(
      io_, detail::ready::kForRead, ec,
      [this, buf](std::error_code& e) { return socket_.recv(buf, e); });
}

}  // namespace pollux::exec
