// exec::UnixStream and exec::UnixListener (built on Unix hosts only).

#include <pollux/exec/unix_listener.hpp>
#include <pollux/exec/unix_stream.hpp>

#include "stream_ops.hpp"

namespace pollux::exec {

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

Task<UnixStream> UnixStream::connect(net::SocketAddr addr, std::error_code& ec) {
  ec.clear();
  net::UnixStream raw = net::UnixStream::connect(addr, ec);
  if (ec) co_return UnixStream{};
  UnixStream s = from_net(std::move(raw), ec);
  if (ec) co_return UnixStream{};
  if (!co_await detail::stream_connected(s.io_, s.stream_, ec)) co_return UnixStream{};
  co_return std::move(s);
}

Task<std::size_t> UnixStream::read(std::span<std::byte> buf, std::error_code& ec) {
  return detail::stream_read(io_, stream_, buf, ec);
}

Task<std::size_t> UnixStream::write(std::span<const std::byte> buf, std::error_code& ec) {
  return detail::stream_write(io_, stream_, buf, ec);
}

Task<std::size_t> UnixStream::read_exact(std::span<std::byte> buf, std::error_code& ec) {
  return detail::stream_read_exact(io_, stream_, buf, ec);
}

Task<std::error_code> UnixStream::write_all(std::span<const std::byte> buf) {
  return detail::stream_write_all(io_, stream_, buf);
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

Task<UnixStream> UnixListener::accept(std::error_code& ec) {
  ec.clear();
  net::UnixStream raw = co_await detail::io_loop<net::UnixStream>(
      io_, detail::ready::kForRead, ec,
      [this](std::error_code& e) { return listener_.accept(e); });
  if (ec) co_return UnixStream{};
  co_return UnixStream::from_net(std::move(raw), ec);
}

}  // namespace pollux::exec
