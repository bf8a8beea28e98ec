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

  ///@{
  /// Movable, not copyable: the handle moves with it.
  UdpSocket(UdpSocket&&) noexcept = default;
  UdpSocket& operator=(UdpSocket&&) noexcept = default;
  ///@}

  /// Sends one datagram to `to`; std::errc::operation_would_block when the send buffer is full.
  std::size_t send_to(std::span<const std::byte> buf, const SocketAddr& to, std::error_code& ec);
  /// Receives one datagram into `buf`, and its sender's address into `from`.
  std::size_t recv_from(std::span<std::byte> buf, SocketAddr& from, std::error_code& ec);
  /// As recv_from(), leaving the datagram queued.
  std::size_t peek_from(std::span<std::byte> buf, SocketAddr& from, std::error_code& ec);

  /// Fixes the peer: send/recv/peek then use it, and datagrams from others are dropped.
  [[nodiscard]] std::error_code connect(const SocketAddr& addr);
  /// Sends one datagram to the connected peer; std::errc::operation_would_block when the
  /// send buffer is full.
  std::size_t send(std::span<const std::byte> buf, std::error_code& ec);
  /// Receives one datagram from the connected peer into `buf`.
  std::size_t recv(std::span<std::byte> buf, std::error_code& ec);
  /// As recv(), leaving the datagram queued.
  std::size_t peek(std::span<std::byte> buf, std::error_code& ec);

  /// The address this socket is bound to.
  SocketAddr local_addr(std::error_code& ec) const;
  /// The address of the connected peer.
  SocketAddr peer_addr(std::error_code& ec) const;
  /// The socket's pending error (SO_ERROR), which this clears; empty when there is none.
  /// `ec` reports a failure to ask.
  std::error_code take_error(std::error_code& ec);

  /// Allows or forbids sending to a broadcast address (SO_BROADCAST).
  [[nodiscard]] std::error_code set_broadcast(bool on);
  /// Whether sending to a broadcast address is allowed (SO_BROADCAST).
  bool broadcast(std::error_code& ec) const;
  /// Sets the IP time-to-live of outgoing packets.
  [[nodiscard]] std::error_code set_ttl(int ttl);
  /// The IP time-to-live of outgoing packets.
  int ttl(std::error_code& ec) const;
  /// Whether an IPv6 socket is restricted to IPv6 (false: it also speaks v4-mapped).
  bool only_v6(std::error_code& ec) const;

  /// Sets whether IPv4 multicast sent from here is looped back to this host.
  [[nodiscard]] std::error_code set_multicast_loop_v4(bool on);
  /// Whether IPv4 multicast sent from here is looped back to this host.
  bool multicast_loop_v4(std::error_code& ec) const;
  /// Sets the time-to-live of outgoing IPv4 multicast packets.
  [[nodiscard]] std::error_code set_multicast_ttl_v4(int ttl);
  /// The time-to-live of outgoing IPv4 multicast packets.
  int multicast_ttl_v4(std::error_code& ec) const;
  /// Sets whether IPv6 multicast sent from here is looped back to this host.
  [[nodiscard]] std::error_code set_multicast_loop_v6(bool on);
  /// Whether IPv6 multicast sent from here is looped back to this host.
  bool multicast_loop_v6(std::error_code& ec) const;
  /// `iface` is the address of a local interface; unspecified lets the OS choose.
  [[nodiscard]] std::error_code join_multicast_v4(const Ipv4Addr& group, const Ipv4Addr& iface);
  /// Leaves the IPv4 multicast `group` on interface `iface`.
  [[nodiscard]] std::error_code leave_multicast_v4(const Ipv4Addr& group, const Ipv4Addr& iface);
  /// `iface` is an interface index; 0 lets the OS choose.
  [[nodiscard]] std::error_code join_multicast_v6(const Ipv6Addr& group, std::uint32_t iface);
  /// Leaves the IPv6 multicast `group` on the interface with index `iface`.
  [[nodiscard]] std::error_code leave_multicast_v6(const Ipv6Addr& group, std::uint32_t iface);

  /// The OS handle (an fd, or a SOCKET on Windows); it stays this object's.
  NativeHandle native_handle() const noexcept { return io_.handle(); }
  /// False once released or moved from, or when never opened.
  bool is_open() const noexcept { return io_.is_open(); }
  /// Removes any registration and gives up the handle without closing it: the caller owns
  /// it, and this object is left empty.
  NativeHandle release() noexcept { return io_.release(); }

  ///@{
  /// The Source hooks behind Registry::add, modify and remove: call those.
  std::error_code add_to(const Registry& registry, Token token, Interest interest) {
    return io_.add_to(registry, token, interest);
  }
  std::error_code modify_in(const Registry& registry, Token token, Interest interest) {
    return io_.modify_in(registry, token, interest);
  }
  std::error_code remove_from(const Registry& registry) { return io_.remove_from(registry); }
  ///@}

 private:
  explicit UdpSocket(NativeHandle handle) noexcept : io_(handle) {}
  detail::IoSource io_;
};

}  // namespace pollux::net
