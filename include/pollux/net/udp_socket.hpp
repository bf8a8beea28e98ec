// SPDX-License-Identifier: MIT
#pragma once
// UdpSocket: a non-blocking UDP socket, unconnected or connected.

#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>

#include <pollux/config.hpp>
#include <pollux/detail/io_source.hpp>
#include <pollux/net/ip_addr.hpp>
#include <pollux/net/socket_addr.hpp>

namespace pollux::inline POLLUX_ABI()::net {

/// Each receive returns one datagram; one longer than the buffer is truncated and its
/// rest is lost. Move-only; the destructor closes it.
class POLLUX_API UdpSocket {
 public:
  /// An empty socket: every operation answers std::errc::bad_file_descriptor.
  UdpSocket() noexcept = default;

  /// Port 0 picks a free port; local_addr() tells which.
  static UdpSocket bind(const SocketAddr& addr, std::error_code& ec);
  /// Adopts a UDP socket and makes it non-blocking.
  static UdpSocket from_native(NativeHandle handle, std::error_code& ec);

  UdpSocket(UdpSocket&&) noexcept = default;
  UdpSocket& operator=(UdpSocket&&) noexcept = default;

  std::size_t send_to(std::span<const std::byte> buf, const SocketAddr& to, std::error_code& ec);
  std::size_t recv_from(std::span<std::byte> buf, SocketAddr& from, std::error_code& ec);
  std::size_t peek_from(std::span<std::byte> buf, SocketAddr& from, std::error_code& ec);

  /// Fixes the peer: send/recv/peek then use it, and datagrams from others are dropped.
  [[nodiscard]] std::error_code connect(const SocketAddr& addr);
  std::size_t send(std::span<const std::byte> buf, std::error_code& ec);
  std::size_t recv(std::span<std::byte> buf, std::error_code& ec);
  std::size_t peek(std::span<std::byte> buf, std::error_code& ec);

  SocketAddr local_addr(std::error_code& ec) const;
  SocketAddr peer_addr(std::error_code& ec) const;
  std::error_code take_error(std::error_code& ec);

  [[nodiscard]] std::error_code set_broadcast(bool on);
  bool broadcast(std::error_code& ec) const;
  [[nodiscard]] std::error_code set_ttl(int ttl);
  int ttl(std::error_code& ec) const;
  /// Whether an IPv6 socket is restricted to IPv6 (false: it also speaks v4-mapped).
  bool only_v6(std::error_code& ec) const;

  [[nodiscard]] std::error_code set_multicast_loop_v4(bool on);
  bool multicast_loop_v4(std::error_code& ec) const;
  [[nodiscard]] std::error_code set_multicast_ttl_v4(int ttl);
  int multicast_ttl_v4(std::error_code& ec) const;
  [[nodiscard]] std::error_code set_multicast_loop_v6(bool on);
  bool multicast_loop_v6(std::error_code& ec) const;
  /// `iface` is the address of a local interface; unspecified lets the OS choose.
  [[nodiscard]] std::error_code join_multicast_v4(const Ipv4Addr& group, const Ipv4Addr& iface);
  [[nodiscard]] std::error_code leave_multicast_v4(const Ipv4Addr& group, const Ipv4Addr& iface);
  /// `iface` is an interface index; 0 lets the OS choose.
  [[nodiscard]] std::error_code join_multicast_v6(const Ipv6Addr& group, std::uint32_t iface);
  [[nodiscard]] std::error_code leave_multicast_v6(const Ipv6Addr& group, std::uint32_t iface);

  NativeHandle native_handle() const noexcept { return io_.handle(); }
  bool is_open() const noexcept { return io_.is_open(); }
  NativeHandle release() noexcept { return io_.release(); }

  std::error_code add_to(const Registry& registry, Token token, Interest interest) {
    return io_.add_to(registry, token, interest);
  }
  std::error_code modify_in(const Registry& registry, Token token, Interest interest) {
    return io_.modify_in(registry, token, interest);
  }
  std::error_code remove_from(const Registry& registry) { return io_.remove_from(registry); }

 private:
  explicit UdpSocket(NativeHandle handle) noexcept : io_(handle) {}
  detail::IoSource io_;
};

}  // namespace pollux::net
