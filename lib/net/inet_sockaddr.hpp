// SPDX-License-Identifier: MIT
#pragma once
// The IPv4 and IPv6 halves of socket_addr_to_native / socket_addr_from_native, written once
// over the names that BSD sockets and Winsock share (sockaddr_in, sockaddr_in6, htons...).
// Include it after the OS's socket headers: lib/unix/socket_addr.cpp and
// lib/win/socket_addr.cpp do, and add what only their OS has (Unix-domain names).

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>

#include <pollux/net/socket_addr.hpp>

namespace pollux::inline POLLUX_ABI()::sys::inet {

/// Writes a sockaddr_in / sockaddr_in6 for `addr` (of that family); 0 if it does not fit.
inline std::size_t v4_to_native(const net::SocketAddr& addr, void* storage, std::size_t capacity) {
  sockaddr_in sin{};
  if (capacity < sizeof sin) return 0;
  sin.sin_family = AF_INET;
  sin.sin_port = htons(addr.port());
  std::memcpy(&sin.sin_addr, addr.ipv4().octets().data(), 4);
  std::memcpy(storage, &sin, sizeof sin);
  return sizeof sin;
}

inline std::size_t v6_to_native(const net::SocketAddr& addr, void* storage, std::size_t capacity) {
  sockaddr_in6 sin6{};
  if (capacity < sizeof sin6) return 0;
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(addr.port());
  sin6.sin6_flowinfo = htonl(addr.flowinfo());
  sin6.sin6_scope_id = addr.scope_id();
  std::memcpy(&sin6.sin6_addr, addr.ipv6().octets().data(), 16);
  std::memcpy(storage, &sin6, sizeof sin6);
  return sizeof sin6;
}

/// Reads an AF_INET / AF_INET6 address of `length` bytes; nullopt when it is too short.
inline std::optional<net::SocketAddr> v4_from_native(const sockaddr_storage& ss, std::size_t length) {
  if (length < sizeof(sockaddr_in)) return std::nullopt;
  sockaddr_in sin;
  std::memcpy(&sin, &ss, sizeof sin);
  std::array<std::uint8_t, 4> octets;
  std::memcpy(octets.data(), &sin.sin_addr, 4);
  return net::SocketAddr(net::Ipv4Addr(octets), ntohs(sin.sin_port));
}

inline std::optional<net::SocketAddr> v6_from_native(const sockaddr_storage& ss, std::size_t length) {
  if (length < sizeof(sockaddr_in6)) return std::nullopt;
  sockaddr_in6 sin6;
  std::memcpy(&sin6, &ss, sizeof sin6);
  std::array<std::uint8_t, 16> octets;
  std::memcpy(octets.data(), &sin6.sin6_addr, 16);
  return net::SocketAddr(net::Ipv6Addr(octets), ntohs(sin6.sin6_port), ntohl(sin6.sin6_flowinfo),
                         sin6.sin6_scope_id);
}

}  // namespace pollux::sys::inet
