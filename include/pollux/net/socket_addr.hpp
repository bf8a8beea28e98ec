// SPDX-License-Identifier: MIT
#pragma once
// SocketAddr: an IPv4, IPv6 or Unix-domain socket address, portable and OS-header free.

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include <pollux/config.hpp>
#include <pollux/net/ip_addr.hpp>

namespace pollux::inline POLLUX_ABI()::net {

/// One value type for every address family pollux's sockets use. The OS's sockaddr is
/// made from it (and back) inside the library only.
///
/// Unix-domain addresses come in three kinds: a filesystem path, a Linux abstract name
/// (its bytes follow a leading NUL in sun_path; they may hold NULs themselves) and the
/// unnamed address of an unbound or socketpair() socket.
class POLLUX_API SocketAddr {
 public:
  /// The kind of address: unspecified (the default, and what a failed call returns),
  /// IPv4, IPv6 or Unix domain.
  enum class Family : std::uint8_t { unspecified, ipv4, ipv6, unix_domain };

  /// The longest Unix path (or abstract name) any supported OS accepts: sun_path is 108
  /// bytes on Linux, 104 on the BSDs and macOS; a path also needs room for its NUL.
  /// The OS layer refuses what its own sun_path cannot hold (std::errc::filename_too_long).
  static constexpr std::size_t kMaxUnixPath = 107;

  /// The unspecified address: what an operation that failed returns.
  SocketAddr() noexcept = default;
  /// An IPv4 address and port.
  SocketAddr(Ipv4Addr ip, std::uint16_t port) noexcept
      : family_(Family::ipv4), port_(port), v4_(ip) {}
  /// An IPv6 address and port, with the flow label and the scope (interface index) that
  /// link-local addresses need.
  SocketAddr(Ipv6Addr ip, std::uint16_t port, std::uint32_t flowinfo = 0,
             std::uint32_t scope_id = 0) noexcept
      : family_(Family::ipv6), port_(port), flowinfo_(flowinfo), scope_id_(scope_id), v6_(ip) {}

  /// "192.0.2.1:80", "[2001:db8::1]:80" or "[fe80::1%2]:80" (numeric scope id only).
  /// Ports are 0-65535, written in decimal. Anything else: std::errc::invalid_argument.
  static SocketAddr parse(std::string_view text, std::error_code& ec);

  /// A filesystem path. Empty, holding a NUL, or longer than kMaxUnixPath:
  /// std::errc::invalid_argument / std::errc::filename_too_long.
  static SocketAddr unix_path(std::string_view path, std::error_code& ec);
  /// A Linux abstract name, without the leading NUL. Longer than kMaxUnixPath:
  /// std::errc::filename_too_long. Other OSes refuse it when a socket uses it.
  static SocketAddr unix_abstract(std::string_view name, std::error_code& ec);
  /// The address of an unnamed Unix socket.
  static SocketAddr unix_unnamed() noexcept;

  /// The kind of address, which the is_* tests below also answer.
  Family family() const noexcept { return family_; }
  ///@{
  /// Whether the address is of that family (is_ip: either IP family).
  bool is_ipv4() const noexcept { return family_ == Family::ipv4; }
  bool is_ipv6() const noexcept { return family_ == Family::ipv6; }
  bool is_ip() const noexcept { return is_ipv4() || is_ipv6(); }
  bool is_unix() const noexcept { return family_ == Family::unix_domain; }
  bool is_unspecified() const noexcept { return family_ == Family::unspecified; }
  ///@}
  /// A Unix address that is a Linux abstract name.
  bool is_unix_abstract() const noexcept { return is_unix() && abstract_; }
  /// A Unix address with no name (an unbound socket or one of a socketpair).
  bool is_unix_unnamed() const noexcept { return is_unix() && !abstract_ && path_.empty(); }

  ///@{
  /// The parts of an IP address. Meaningful for the matching family only; otherwise the
  /// unspecified address / 0. set_port changes the port of an IP address (binding to port
  /// 0 and reading the one the OS chose is the usual use of port()).
  Ipv4Addr ipv4() const noexcept { return v4_; }
  Ipv6Addr ipv6() const noexcept { return v6_; }
  std::uint16_t port() const noexcept { return port_; }
  void set_port(std::uint16_t port) noexcept { port_ = port; }
  std::uint32_t flowinfo() const noexcept { return flowinfo_; }
  std::uint32_t scope_id() const noexcept { return scope_id_; }
  ///@}
  /// The path, or the abstract name's bytes (without the leading NUL); empty if unnamed.
  std::string_view unix_path() const noexcept { return path_; }

  /// "192.0.2.1:80", "[::1]:80", "[fe80::1%2]:80", the path, "@name" for an abstract
  /// name, "(unnamed)", or "(unspecified)".
  std::string to_string() const;

  friend bool operator==(const SocketAddr&, const SocketAddr&) noexcept = default;

 private:
  Family family_ = Family::unspecified;
  bool abstract_ = false;
  std::uint16_t port_ = 0;
  std::uint32_t flowinfo_ = 0;
  std::uint32_t scope_id_ = 0;
  Ipv4Addr v4_;
  Ipv6Addr v6_;
  std::string path_;
};

}  // namespace pollux::net
