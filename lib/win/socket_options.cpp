// SPDX-License-Identifier: MIT
// Socket options of lib/sys_net.hpp over Winsock's setsockopt/getsockopt.

#include "win.hpp"

#include <cstring>

#include "../net/socket_option_names.hpp"
#include "../sys_net.hpp"
#include "error.hpp"

namespace pollux::inline POLLUX_ABI()::sys {
namespace {

SOCKET native(NativeHandle handle) noexcept { return static_cast<SOCKET>(handle); }

}  // namespace

std::error_code socket_set_option(NativeHandle handle, SocketOption option, int value) {
  if (option == SocketOption::reuse_address) {
    // What POSIX's SO_REUSEADDR is for, binding a port whose old connections linger in
    // TIME_WAIT, Windows allows by default. Its own SO_REUSEADDR would instead let this
    // socket take over a port another socket is listening on, so it is never set: the
    // call is accepted, and reuse_address reads back as 0.
    (void)value;
    return {};
  }
  auto n = native_option(option);
  if (n.level < 0) return std::make_error_code(std::errc::invalid_argument);
  // Winsock reads BOOL and DWORD options as 4 bytes; an int is that.
  if (setsockopt(native(handle), n.level, n.name, reinterpret_cast<const char*>(&value), sizeof value) ==
      SOCKET_ERROR) {
    return wsa_error();
  }
  return {};
}

int socket_get_option(NativeHandle handle, SocketOption option, std::error_code& ec) {
  auto n = native_option(option);
  if (n.level < 0) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return 0;
  }
  // Some options answer with fewer bytes (a BOOLEAN byte for TCP_NODELAY on some
  // Windows versions): zero the int first and widen a one-byte answer.
  int value = 0;
  int len = sizeof value;
  if (getsockopt(native(handle), n.level, n.name, reinterpret_cast<char*>(&value), &len) == SOCKET_ERROR) {
    ec = wsa_error();
    return 0;
  }
  ec.clear();
  if (len == 1) {
    unsigned char byte;
    std::memcpy(&byte, &value, 1);
    value = byte;
  }
  return value;
}

std::error_code socket_set_linger(NativeHandle handle, std::optional<std::chrono::seconds> timeout) {
  linger l{};
  if (timeout) {
    if (timeout->count() < 0 || timeout->count() > 65535) return std::make_error_code(std::errc::invalid_argument);
    l.l_onoff = 1;
    l.l_linger = static_cast<u_short>(timeout->count());
  }
  if (setsockopt(native(handle), SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&l), sizeof l) ==
      SOCKET_ERROR) {
    return wsa_error();
  }
  return {};
}

std::optional<std::chrono::seconds> socket_linger(NativeHandle handle, std::error_code& ec) {
  linger l{};
  int len = sizeof l;
  if (getsockopt(native(handle), SOL_SOCKET, SO_LINGER, reinterpret_cast<char*>(&l), &len) == SOCKET_ERROR) {
    ec = wsa_error();
    return std::nullopt;
  }
  ec.clear();
  if (!l.l_onoff) return std::nullopt;
  return std::chrono::seconds(l.l_linger);
}

std::error_code socket_multicast_v4(NativeHandle handle,
                                    const net::Ipv4Addr& group,
                                    const net::Ipv4Addr& iface,
                                    bool join) {
  ip_mreq mreq{};
  std::memcpy(&mreq.imr_multiaddr, group.octets().data(), 4);
  std::memcpy(&mreq.imr_interface, iface.octets().data(), 4);
  const int name = join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP;
  if (setsockopt(native(handle), IPPROTO_IP, name, reinterpret_cast<const char*>(&mreq), sizeof mreq) ==
      SOCKET_ERROR) {
    return wsa_error();
  }
  return {};
}

std::error_code socket_multicast_v6(NativeHandle handle,
                                    const net::Ipv6Addr& group,
                                    std::uint32_t iface,
                                    bool join) {
  ipv6_mreq mreq{};
  std::memcpy(&mreq.ipv6mr_multiaddr, group.octets().data(), 16);
  mreq.ipv6mr_interface = iface;
  const int name = join ? IPV6_ADD_MEMBERSHIP : IPV6_DROP_MEMBERSHIP;
  if (setsockopt(native(handle), IPPROTO_IPV6, name, reinterpret_cast<const char*>(&mreq), sizeof mreq) ==
      SOCKET_ERROR) {
    return wsa_error();
  }
  return {};
}

}  // namespace pollux::sys
