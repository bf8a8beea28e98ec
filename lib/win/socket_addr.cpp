// SPDX-License-Identifier: MIT
// net::SocketAddr <-> Winsock's sockaddr (sys_net.hpp, the address half). Unix-domain
// addresses are refused: the Windows build has no Unix sockets (Wine 8 has no AF_UNIX).

#include "win.hpp"

#include <cstring>

#include "../sys_net.hpp"
#include "../net/inet_sockaddr.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

std::size_t socket_addr_to_native(const net::SocketAddr& addr,
                                  void* storage,
                                  std::size_t capacity,
                                  std::error_code& ec) {
  ec.clear();
  switch (addr.family()) {
    case net::SocketAddr::Family::ipv4:
      if (auto n = inet::v4_to_native(addr, storage, capacity)) return n;
      break;
    case net::SocketAddr::Family::ipv6:
      if (auto n = inet::v6_to_native(addr, storage, capacity)) return n;
      break;
    case net::SocketAddr::Family::unix_domain:
    case net::SocketAddr::Family::unspecified:
      ec = std::make_error_code(std::errc::address_family_not_supported);
      return 0;
  }
  ec = std::make_error_code(std::errc::invalid_argument);
  return 0;
}

net::SocketAddr socket_addr_from_native(const void* native, std::size_t length, std::error_code& ec) {
  ec.clear();
  sockaddr_storage ss{};
  if (length > sizeof ss) length = sizeof ss;
  std::memcpy(&ss, native, length);
  if (length < sizeof ss.ss_family) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return {};
  }
  switch (ss.ss_family) {
    case AF_INET:
      if (auto a = inet::v4_from_native(ss, length)) return *a;
      break;
    case AF_INET6:
      if (auto a = inet::v6_from_native(ss, length)) return *a;
      break;
    default:
      ec = std::make_error_code(std::errc::address_family_not_supported);
      return {};
  }
  ec = std::make_error_code(std::errc::invalid_argument);
  return {};
}

}  // namespace pollux::sys
