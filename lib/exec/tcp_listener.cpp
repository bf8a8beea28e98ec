#include <pollux/exec/tcp_listener.hpp>

#include "io_op.hpp"

namespace pollux::exec {

TcpListener TcpListener::from_net(net::TcpListener listener, std::error_code& ec) {
  TcpListener l;
  l.listener_ = std::move(listener);
  ec = detail::register_source(l.io_, l.listener_, Interest::readable);
  if (ec) return TcpListener{};
  return l;
}

TcpListener TcpListener::bind(const net::SocketAddr& addr, std::error_code& ec) {
  net::TcpListener raw = net::TcpListener::bind(addr, ec);
  if (ec) return TcpListener{};
  return from_net(std::move(raw), ec);
}

Task<TcpStream> TcpListener::accept(net::SocketAddr& peer, std::error_code& ec) {
  ec.clear();
  net::TcpStream raw = co_await detail::io_loop<net::TcpStream>(
      io_, detail::ready::kForRead, ec,
      [this, &peer](std::error_code& e) { return listener_.accept(peer, e); });
  if (ec) co_return TcpStream{};
  co_return TcpStream::from_net(std::move(raw), ec);
}

Task<TcpStream> TcpListener::accept(std::error_code& ec) {
  ec.clear();
  net::TcpStream raw = co_await detail::io_loop<net::TcpStream>(
      io_, detail::ready::kForRead, ec,
      [this](std::error_code& e) { return listener_.accept(e); });
  if (ec) co_return TcpStream{};
  co_return TcpStream::from_net(std::move(raw), ec);
}

}  // namespace pollux::exec
