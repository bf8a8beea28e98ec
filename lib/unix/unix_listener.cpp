// SPDX-License-Identifier: MIT
// UnixListener over lib/sys_net.hpp.

#include <pollux/net/unix_listener.hpp>

#include "../sys_net.hpp"

namespace pollux::inline POLLUX_ABI()::net {

UnixListener UnixListener::bind(const SocketAddr& addr, std::error_code& ec) {
  if (!addr.is_unix() || addr.is_unix_unnamed()) {
    ec = std::make_error_code(std::errc::address_family_not_supported);
    return {};
  }
  UnixListener listener(sys::socket_open(addr.family(), sys::SocketType::stream, ec));
  if (ec) return {};
  if ((ec = sys::socket_bind(listener.native_handle(), addr))) return {};
  if ((ec = sys::socket_listen(listener.native_handle(), kBacklog))) return {};
  return listener;
}

UnixListener UnixListener::from_native(NativeHandle handle, std::error_code& ec) {
  if ((ec = sys::socket_prepare_adopted(handle))) return {};
  return UnixListener(handle);
}

UnixStream UnixListener::accept(std::error_code& ec) {
  auto handle = sys::socket_accept(io_.handle(), nullptr, ec);
  io_.track(ec);
  return UnixStream(handle);
}

UnixStream UnixListener::accept(SocketAddr& peer, std::error_code& ec) {
  auto handle = sys::socket_accept(io_.handle(), &peer, ec);
  io_.track(ec);
  if (ec) peer = {};
  return UnixStream(handle);
}

SocketAddr UnixListener::local_addr(std::error_code& ec) const {
  return sys::socket_local_addr(io_.handle(), ec);
}

std::error_code UnixListener::take_error(std::error_code& ec) {
  return sys::socket_take_error(io_.handle(), ec);
}

}  // namespace pollux::net
