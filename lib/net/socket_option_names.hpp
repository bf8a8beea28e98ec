// SPDX-License-Identifier: MIT
#pragma once
// Which (level, name) pair each SocketOption of lib/sys_net.hpp is, written once over the
// names that BSD sockets and Winsock spell alike. Include it after the OS's socket headers
// (lib/unix/socket_options.cpp, lib/win/socket_options.cpp).

#include "../sys_net.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

struct NativeOption {
  int level;
  int name;
};

/// {-1, -1} for a value outside the enum (a caller's cast), answered as invalid_argument.
inline NativeOption native_option(SocketOption option) noexcept {
  switch (option) {
    case SocketOption::reuse_address: return {SOL_SOCKET, SO_REUSEADDR};
    case SocketOption::keepalive: return {SOL_SOCKET, SO_KEEPALIVE};
    case SocketOption::broadcast: return {SOL_SOCKET, SO_BROADCAST};
    case SocketOption::recv_buffer_size: return {SOL_SOCKET, SO_RCVBUF};
    case SocketOption::send_buffer_size: return {SOL_SOCKET, SO_SNDBUF};
    case SocketOption::nodelay: return {IPPROTO_TCP, TCP_NODELAY};
    case SocketOption::ttl: return {IPPROTO_IP, IP_TTL};
    case SocketOption::only_v6: return {IPPROTO_IPV6, IPV6_V6ONLY};
    case SocketOption::unicast_hops_v6: return {IPPROTO_IPV6, IPV6_UNICAST_HOPS};
    case SocketOption::multicast_loop_v4: return {IPPROTO_IP, IP_MULTICAST_LOOP};
    case SocketOption::multicast_ttl_v4: return {IPPROTO_IP, IP_MULTICAST_TTL};
    case SocketOption::multicast_loop_v6: return {IPPROTO_IPV6, IPV6_MULTICAST_LOOP};
    case SocketOption::multicast_hops_v6: return {IPPROTO_IPV6, IPV6_MULTICAST_HOPS};
  }
  return {-1, -1};
}

}  // namespace pollux::sys
