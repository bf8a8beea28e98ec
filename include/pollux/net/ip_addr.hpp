// SPDX-License-Identifier: MIT
#pragma once
// Ipv4Addr and Ipv6Addr: IP addresses as plain bytes, in network order, with no OS headers.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI()::net {

/// An IPv4 address: four octets in network order. Default-made, 0.0.0.0.
class POLLUX_API Ipv4Addr {
 public:
  constexpr Ipv4Addr() noexcept = default;
  /// a.b.c.d, as written.
  constexpr Ipv4Addr(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) noexcept
      : octets_{a, b, c, d} {}
  /// From the four octets, most significant first.
  constexpr explicit Ipv4Addr(const std::array<std::uint8_t, 4>& octets) noexcept
      : octets_(octets) {}

  ///@{
  /// 0.0.0.0 (bind to every interface), 127.0.0.1 and 255.255.255.255.
  static constexpr Ipv4Addr unspecified() noexcept { return {}; }
  static constexpr Ipv4Addr localhost() noexcept { return {127, 0, 0, 1}; }
  static constexpr Ipv4Addr broadcast() noexcept { return {255, 255, 255, 255}; }
  ///@}

  /// Dotted decimal only ("192.0.2.1"): four parts, each 0-255, no leading zeros (which
  /// some parsers read as octal). Anything else: std::errc::invalid_argument.
  static Ipv4Addr parse(std::string_view text, std::error_code& ec);

  /// The four octets, most significant first.
  constexpr const std::array<std::uint8_t, 4>& octets() const noexcept { return octets_; }
  ///@{
  /// Whether it is 0.0.0.0, in 127.0.0.0/8, in 224.0.0.0/4 (multicast), or 255.255.255.255.
  constexpr bool is_unspecified() const noexcept { return *this == Ipv4Addr{}; }
  constexpr bool is_loopback() const noexcept { return octets_[0] == 127; }
  constexpr bool is_multicast() const noexcept { return (octets_[0] & 0xf0) == 0xe0; }
  constexpr bool is_broadcast() const noexcept { return *this == broadcast(); }
  ///@}

  /// Dotted decimal, as parse reads it.
  std::string to_string() const;

  friend constexpr bool operator==(const Ipv4Addr&, const Ipv4Addr&) noexcept = default;

 private:
  std::array<std::uint8_t, 4> octets_{};
};

/// An IPv6 address: sixteen octets in network order. Default-made, `::`.
class POLLUX_API Ipv6Addr {
 public:
  constexpr Ipv6Addr() noexcept = default;
  /// From the sixteen octets, most significant first.
  constexpr explicit Ipv6Addr(const std::array<std::uint8_t, 16>& octets) noexcept
      : octets_(octets) {}
  /// From eight 16-bit groups, as written: Ipv6Addr(0xfe80, 0, 0, 0, 0, 0, 0, 1).
  constexpr Ipv6Addr(std::uint16_t a, std::uint16_t b, std::uint16_t c, std::uint16_t d,
                     std::uint16_t e, std::uint16_t f, std::uint16_t g, std::uint16_t h) noexcept {
    const std::uint16_t groups[8] = {a, b, c, d, e, f, g, h};
    for (int i = 0; i < 8; ++i) {
      octets_[2 * i] = static_cast<std::uint8_t>(groups[i] >> 8);
      octets_[2 * i + 1] = static_cast<std::uint8_t>(groups[i] & 0xff);
    }
  }

  ///@{
  /// `::` (bind to every interface) and `::1`.
  static constexpr Ipv6Addr unspecified() noexcept { return {}; }
  static constexpr Ipv6Addr localhost() noexcept { return {0, 0, 0, 0, 0, 0, 0, 1}; }
  ///@}

  /// RFC 4291 text: groups of hex, one "::", an embedded dotted IPv4 tail
  /// ("::ffff:192.0.2.1"). No zone ("%eth0"): SocketAddr::parse takes a numeric scope id.
  static Ipv6Addr parse(std::string_view text, std::error_code& ec);

  /// The sixteen octets, most significant first.
  constexpr const std::array<std::uint8_t, 16>& octets() const noexcept { return octets_; }
  ///@{
  /// Whether it is `::`, `::1`, or in ff00::/8 (multicast).
  constexpr bool is_unspecified() const noexcept { return *this == Ipv6Addr{}; }
  constexpr bool is_loopback() const noexcept { return *this == localhost(); }
  constexpr bool is_multicast() const noexcept { return octets_[0] == 0xff; }
  ///@}

  /// RFC 5952 canonical text: lower case, the longest run of zero groups as "::".
  std::string to_string() const;

  friend constexpr bool operator==(const Ipv6Addr&, const Ipv6Addr&) noexcept = default;

 private:
  std::array<std::uint8_t, 16> octets_{};
};

}  // namespace pollux::net
