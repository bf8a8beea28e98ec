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

detail::IoCountAwait TcpStream::read(std::span<std::byte> buf) noexcept {
  return detail::stream_read_await(io_, stream_, buf);
}

detail::IoCountAwait TcpStream::write(std::span<const std::byte> buf) noexcept {
  return detail::stream_write_await(io_, stream_, buf);
}

detail::IoCountAwait TcpStream::read_exact(std::span<std::byte> buf) noexcept {
  return detail::stream_read_exact_await(io_, stream_, buf);
}

detail::IoDoneAwait TcpStream::write_all(std::span<const std::byte> buf) noexcept {
  return detail::stream_write_all_await(io_, stream_, buf);
}

}  // namespace pollux::exec
