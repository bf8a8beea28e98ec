// SPDX-License-Identifier: MIT
// exec::UnixStream and exec::UnixListener (built on Unix hosts only).

#include <pollux/exec/unix_listener.hpp>
#include <pollux/exec/unix_stream.hpp>

#include "stream_ops.hpp"

namespace pollux::inline POLLUX_ABI()::exec {

UnixStream UnixStream::from_net(net::UnixStream stream, std::error_code& ec) {
  UnixStream s;
  s.stream_ = std::move(stream);
  ec = detail::register_source(s.io_, s.stream_, Interest::readable | Interest::writable);
  if (ec) return UnixStream{};
  return s;
}

std::pair<UnixStream, UnixStream> UnixStream::pair(std::error_code& ec) {
  auto [a, b] = net::UnixStream::pair(ec);
  if (ec) return {};
  UnixStream x = from_net(std::move(a), ec);
  if (ec) return {};
  UnixStream y = from_net(std::move(b), ec);
  if (ec) return {};
  return {std::move(x), std::move(y)};
}

Task<IoResult<UnixStream>> UnixStream::connect(net::SocketAddr addr) {
  std::error_code ec;
  net::UnixStream raw = net::UnixStream::connect(addr, ec);
  if (ec) co_return {ec};
  UnixStream s = from_net(std::move(raw), ec);
  if (ec) co_return {ec};
  if (auto err = co_await detail::stream_connected(s.io_, s.stream_)) co_return {err};
  co_return {{}, std::move(s)};
}

detail::IoCountAwait UnixStream::read(std::span<std::byte> buf) noexcept {
  return detail::stream_read_await(io_, stream_, buf);
}

detail::IoCountAwait UnixStream::write(std::span<const std::byte> buf) noexcept {
  return detail::stream_write_await(io_, stream_, buf);
}

detail::IoCountAwait UnixStream::read_exact(std::span<std::byte> buf) noexcept {
  return detail::stream_read_exact_await(io_, stream_, buf);
}

detail::IoDoneAwait UnixStream::write_all(std::span<const std::byte> buf) noexcept {
  return detail::stream_write_all_await(io_, stream_, buf);
}

UnixListener UnixListener::from_net(net::UnixListener listener, std::error_code& ec) {
  UnixListener l;
  l.listener_ = std::move(listener);
  ec = detail::register_source(l.io_, l.listener_, Interest::readable);
  if (ec) return UnixListener{};
  return l;
}

UnixListener UnixListener::bind(const net::SocketAddr& addr, std::error_code& ec) {
  net::UnixListener raw = net::UnixListener::bind(addr, ec);
  if (ec) return UnixListener{};
  return from_net(std::move(raw), ec);
}

Task<IoResult<UnixStream>> UnixListener::accept() {
  return detail::io_loop<UnixStream>(io_, detail::ready::kForRead, [this](std::error_code& e) {
    net::UnixStream raw = listener_.accept(e);
    return e ? UnixStream{} : UnixStream::from_net(std::move(raw), e);
  });
}

}  // namespace pollux::exec
