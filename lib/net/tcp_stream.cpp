// SPDX-License-Identifier: MIT
// TcpStream over lib/sys_net.hpp; transfers re-arm the source themselves (sys_net.hpp).

#include <pollux/net/tcp_stream.hpp>

#include "../sys_net.hpp"

namespace pollux::inline POLLUX_ABI()::net {

TcpStream TcpStream::connect(const SocketAddr& addr, std::error_code& ec) {
  if (!addr.is_ip()) {
    ec = std::make_error_code(std::errc::address_family_not_supported);
    return {};
  }
  TcpStream stream(sys::socket_open(addr.family(), sys::SocketType::stream, ec));
  if (ec) return {};
  if ((ec = sys::socket_connect(stream.native_handle(), addr))) return {};
  return stream;
}

TcpStream TcpStream::from_native(NativeHandle handle, std::error_code& ec) {
  if ((ec = sys::socket_prepare_adopted(handle))) return {};
  return TcpStream(handle);
}

std::size_t TcpStream::read_vectored(std::span<const std::span<std::byte>> bufs, std::error_code& ec) {
  return sys::socket_recv_vectored(io_, bufs, ec);
}

std::size_t TcpStream::write_vectored(std::span<const std::span<const std::byte>> bufs,
                                      std::error_code& ec) {
  return sys::socket_send_vectored(io_, bufs, ec);
}

std::size_t TcpStream::peek(std::span<std::byte> buf, std::error_code& ec) {
  return sys::socket_recv(io_, buf, true, ec);
}

std::error_code TcpStream::shutdown(Shutdown how) { return sys::socket_shutdown(io_.handle(), how); }

SocketAddr TcpStream::local_addr(std::error_code& ec) const { return sys::socket_local_addr(io_.handle(), ec); }

SocketAddr TcpStream::peer_addr(std::error_code& ec) const { return sys::socket_peer_addr(io_.handle(), ec); }

std::error_code TcpStream::take_error(std::error_code& ec) { return sys::socket_take_error(io_.handle(), ec); }

std::error_code TcpStream::set_nodelay(bool on) {
  return sys::socket_set_option(io_.handle(), sys::SocketOption::nodelay, on ? 1 : 0);
}

bool TcpStream::nodelay(std::error_code& ec) const {
  return sys::socket_get_option(io_.handle(), sys::SocketOption::nodelay, ec) != 0;
}

std::error_code TcpStream::set_ttl(int ttl) {
  return sys::socket_set_option(io_.handle(), sys::SocketOption::ttl, ttl);
}

int TcpStream::ttl(std::error_code& ec) const {
  return sys::socket_get_option(io_.handle(), sys::SocketOption::ttl, ec);
}

std::error_code TcpStream::set_linger(std::optional<std::chrono::seconds> timeout) {
  return sys::socket_set_linger(io_.handle(), timeout);
}

std::optional<std::chrono::seconds> TcpStream::linger(std::error_code& ec) const {
  return sys::socket_linger(io_.handle(), ec);
}

}  // namespace pollux::net
