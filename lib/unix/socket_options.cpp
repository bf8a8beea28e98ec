// SPDX-License-Identifier: MIT
// Socket options of lib/sys_net.hpp over setsockopt/getsockopt.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>

#include "../net/socket_option_names.hpp"
#include "../sys_net.hpp"
#include "errno.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

std::error_code socket_set_option(NativeHandle handle, SocketOption option, int value) {
  auto native = native_option(option);
  if (native.level < 0) return std::make_error_code(std::errc::invalid_argument);
  if (::setsockopt(handle, native.level, native.name, &value, sizeof value) < 0) return errno_code();
  return {};
}

int socket_get_option(NativeHandle handle, SocketOption option, std::error_code& ec) {
  auto native = native_option(option);
  if (native.level < 0) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return 0;
  }
  // Some options are a byte on some systems (IP_MULTICAST_LOOP/TTL on the BSDs):
  // zero the whole int so a shorter answer still reads right on little-endian hosts.
  int value = 0;
  socklen_t len = sizeof value;
  if (::getsockopt(handle, native.level, native.name, &value, &len) < 0) {
    ec = errno_code();
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
    l.l_linger = static_cast<int>(timeout->count());
  }
  if (::setsockopt(handle, SOL_SOCKET, SO_LINGER, &l, sizeof l) < 0) return errno_code();
  return {};
}

std::optional<std::chrono::seconds> socket_linger(NativeHandle handle, std::error_code& ec) {
  linger l{};
  socklen_t len = sizeof l;
  if (::getsockopt(handle, SOL_SOCKET, SO_LINGER, &l, &len) < 0) {
    ec = errno_code();
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
  if (::setsockopt(handle, IPPROTO_IP, name, &mreq, sizeof mreq) < 0) return errno_code();
  return {};
}

std::error_code socket_multicast_v6(NativeHandle handle,
                                    const net::Ipv6Addr& group,
                                    std::uint32_t iface,
                                    bool join) {
  ipv6_mreq mreq{};
  std::memcpy(&mreq.ipv6mr_multiaddr, group.octets().data(), 16);
  mreq.ipv6mr_interface = iface;
  const int name = join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP;
  if (::setsockopt(handle, IPPROTO_IPV6, name, &mreq, sizeof mreq) < 0) return errno_code();
  return {};
}

}  // namespace pollux::sys
