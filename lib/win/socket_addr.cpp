// net::SocketAddr <-> Winsock's sockaddr (sys_net.hpp, the address half). Unix-domain
// addresses are refused: the Windows build has no Unix sockets (Wine 8 has no AF_UNIX).

#include "win.hpp"

#include <cstring>

#include "../sys_net.hpp"

namespace pollux::sys {

std::size_t socket_addr_to_native(const net::SocketAddr& addr,
                                  void* storage,
                                  std::size_t capacity,
                                  std::error_code& ec) {
  ec.clear();
  switch (addr.family()) {
    case net::SocketAddr::Family::ipv4: {
      sockaddr_in sin{};
      if (capacity < sizeof sin) break;
      sin.sin_family = AF_INET;
      sin.sin_port = htons(addr.port());
      std::memcpy(&sin.sin_addr, addr.ipv4().octets().data(), 4);
      std::memcpy(storage, &sin, sizeof sin);
      return sizeof sin;
    }
    case net::SocketAddr::Family::ipv6: {
      sockaddr_in6 sin6{};
      if (capacity < sizeof sin6) break;
      sin6.sin6_family = AF_INET6;
      sin6.sin6_port = htons(addr.port());
      sin6.sin6_flowinfo = htonl(addr.flowinfo());
      sin6.sin6_scope_id = addr.scope_id();
      std::memcpy(&sin6.sin6_addr, addr.ipv6().octets().data(), 16);
      std::memcpy(storage, &sin6, sizeof sin6);
      return sizeof sin6;
    }
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
    case AF_INET: {
      if (length < sizeof(sockaddr_in)) break;
      sockaddr_in sin;
      std::memcpy(&sin, &ss, sizeof sin);
      std::array<std::uint8_t, 4> octets;
      std::memcpy(octets.data(), &sin.sin_addr, 4);
      return {net::Ipv4Addr(octets), ntohs(sin.sin_port)};
    }
    case AF_INET6: {
      if (length < sizeof(sockaddr_in6)) break;
      sockaddr_in6 sin6;
      std::memcpy(&sin6, &ss, sizeof sin6);
      std::array<std::uint8_t, 16> octets;
      std::memcpy(octets.data(), &sin6.sin6_addr, 16);
      return {net::Ipv6Addr(octets), ntohs(sin6.sin6_port), ntohl(sin6.sin6_flowinfo),
              sin6.sin6_scope_id};
    }
    default:
      ec = std::make_error_code(std::errc::address_family_not_supported);
      return {};
  }
  ec = std::make_error_code(std::errc::invalid_argument);
  return {};
}

}  // namespace pollux::sys
