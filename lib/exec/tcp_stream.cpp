// SPDX-License-Identifier: MIT
#include <pollux/exec/tcp_stream.hpp>

#include "stream_ops.hpp"

namespace pollux::inline POLLUX_ABI()::exec {

TcpStream TcpStream::from_net(net::TcpStream stream, std::error_code& ec) {
  TcpStream s;
  s.stream_ = std::move(stream);
  ec = detail::register_source(s.io_, s.stream_, Interest::readable | Interest::writable);
  if (ec) return TcpStream{};
  return s;
}

Task<IoResult<TcpStream>> TcpStream::connect(net::SocketAddr addr) {
  std::error_code ec;
  net::TcpStream raw = net::TcpStream::connect(addr, ec);
  if (ec) co_return {ec};
  TcpStream s = from_net(std::move(raw), ec);
  if (ec) co_return {ec};
  if (auto err = co_await detail::stream_connected(s.io_, s.stream_)) co_return {err};
  co_return {{}, std::move(s)};
}

Task<IoResult<std::size_t>> TcpStream::read(std::span<std::byte> buf) {
  return detail::stream_read(io_, stream_, buf);
}

Task<IoResult<std::size_t>> TcpStream::write(std::span<const std::byte> buf) {
  return detail::stream_write(io_, stream_, buf);
}

Task<IoResult<std::size_t>> TcpStream::read_exact(std::span<std::byte> buf) {
  return detail::stream_read_exact(io_, stream_, buf);
}

Task<std::error_code> TcpStream::write_all(std::span<const std::byte> buf) {
  return detail::stream_write_all(io_, stream_, buf);
}

}  // namespace pollux::exec
