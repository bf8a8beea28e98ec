// SPDX-License-Identifier: MIT
#include <pollux/exec/tcp_listener.hpp>

#include "io_op.hpp"

namespace pollux::inline POLLUX_ABI()::exec {

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

Task<IoResult<TcpAccepted>> TcpListener::accept_with_peer() {
  return detail::io_loop<TcpAccepted>(io_, detail::ready::kForRead, [this](std::error_code& e) {
    TcpAccepted a;
    net::TcpStream raw = listener_.accept(a.peer, e);
    if (!e) a.stream = TcpStream::from_net(std::move(raw), e);
    return a;
  });
}

Task<IoResult<TcpStream>> TcpListener::accept() {
  return detail::io_loop<TcpStream>(io_, detail::ready::kForRead, [this](std::error_code& e) {
    net::TcpStream raw = listener_.accept(e);
    return e ? TcpStream{} : TcpStream::from_net(std::move(raw), e);
  });
}

}  // namespace pollux::exec
