// SPDX-License-Identifier: MIT
// net::SocketAddr <-> the BSD sockaddr family (sys_net.hpp, the address half).

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
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
    case net::SocketAddr::Family::unix_domain: {
      sockaddr_un sun{};
      if (capacity < sizeof sun) break;
      sun.sun_family = AF_UNIX;
      const auto name = addr.unix_path();
      std::size_t length = offsetof(sockaddr_un, sun_path);
      if (addr.is_unix_abstract()) {
#if defined(__linux__)
        // Abstract names are the bytes after a leading NUL, counted by the length alone.
        if (name.size() + 1 > sizeof sun.sun_path) {
          ec = std::make_error_code(std::errc::filename_too_long);
          return 0;
        }
        std::memcpy(sun.sun_path + 1, name.data(), name.size());
        length += 1 + name.size();
#else
        ec = std::make_error_code(std::errc::address_family_not_supported);
        return 0;
#endif
      } else if (!name.empty()) {
        // Keep room for the terminating NUL: not every OS accepts a full sun_path.
        if (name.size() + 1 > sizeof sun.sun_path) {
          ec = std::make_error_code(std::errc::filename_too_long);
          return 0;
        }
        std::memcpy(sun.sun_path, name.data(), name.size());
        length += name.size() + 1;
      }
      std::memcpy(storage, &sun, sizeof sun);
      return length;
    }
    case net::SocketAddr::Family::unspecified:
      ec = std::make_error_code(std::errc::address_family_not_supported);
      return 0;
  }
  ec = std::make_error_code(std::errc::invalid_argument);
  return 0;
}

net::SocketAddr socket_addr_from_native(const void* sockaddr_ptr, std::size_t length, std::error_code& ec) {
  ec.clear();
  sockaddr_storage ss{};
  if (length > sizeof ss) length = sizeof ss;
  std::memcpy(&ss, sockaddr_ptr, length);
  // An unnamed Unix peer (unbound datagram sender, socketpair end) may come with no
  // address bytes at all; the caller knows the family and decides.
  if (length < sizeof(sa_family_t)) return {};
  switch (ss.ss_family) {
    case AF_INET:
      if (auto a = inet::v4_from_native(ss, length)) return *a;
      break;
    case AF_INET6:
      if (auto a = inet::v6_from_native(ss, length)) return *a;
      break;
    case AF_UNIX: {
      sockaddr_un sun;
      std::memcpy(&sun, &ss, sizeof sun);
      const std::size_t base = offsetof(sockaddr_un, sun_path);
      if (length <= base) return net::SocketAddr::unix_unnamed();
      std::size_t n = length - base;
      if (sun.sun_path[0] == '\0') {
#if defined(__linux__)
        // An abstract name (autobind's too): the bytes after the NUL, as many as the
        // length counts. A length that counts the NUL alone is the empty name, which is
        // a name of its own; the unnamed address has no sun_path byte at all (above).
        return net::SocketAddr::unix_abstract(std::string_view(sun.sun_path + 1, n - 1), ec);
#else
        // No abstract names elsewhere: a path that starts with NUL is no path.
        return net::SocketAddr::unix_unnamed();
#endif
      }
      // The kernel may or may not count the path's NUL; stop at the first one.
      n = ::strnlen(sun.sun_path, n);
      return net::SocketAddr::unix_path(std::string_view(sun.sun_path, n), ec);
    }
    default:
      ec = std::make_error_code(std::errc::address_family_not_supported);
      return {};
  }
  ec = std::make_error_code(std::errc::invalid_argument);
  return {};
}

}  // namespace pollux::sys
