// SPDX-License-Identifier: MIT
#pragma once
// UnixDatagram: a non-blocking Unix-domain datagram socket (Unix only).

#include <cstddef>
#include <span>
#include <system_error>
#include <utility>

#include <pollux/config.hpp>
#include <pollux/detail/io_source.hpp>
#include <pollux/net/shutdown.hpp>
#include <pollux/net/socket_addr.hpp>

namespace pollux::inline POLLUX_ABI()::net {

/// Datagrams keep their boundaries; one longer than the buffer is truncated. Unlike UDP,
/// a full receiver makes the sender wait: send reports would-block, and the socket turns
/// writable again when the receiver drains. Move-only; the destructor closes.
class POLLUX_API UnixDatagram {
 public:
  UnixDatagram() noexcept = default;

  static UnixDatagram bind(const SocketAddr& addr, std::error_code& ec);
  /// A socket with no address; peers that receive from it see an unnamed address.
  static UnixDatagram unbound(std::error_code& ec);
  /// Two connected, unnamed sockets (socketpair).
  static std::pair<UnixDatagram, UnixDatagram> pair(std::error_code& ec);
  static UnixDatagram from_native(NativeHandle handle, std::error_code& ec);

  UnixDatagram(UnixDatagram&&) noexcept = default;
  UnixDatagram& operator=(UnixDatagram&&) noexcept = default;

  [[nodiscard]] std::error_code connect(const SocketAddr& addr);
  std::size_t send(std::span<const std::byte> buf, std::error_code& ec);
  std::size_t recv(std::span<std::byte> buf, std::error_code& ec);
  std::size_t send_to(std::span<const std::byte> buf, const SocketAddr& to, std::error_code& ec);
  std::size_t recv_from(std::span<std::byte> buf, SocketAddr& from, std::error_code& ec);

  [[nodiscard]] std::error_code shutdown(Shutdown how);
  SocketAddr local_addr(std::error_code& ec) const;
  SocketAddr peer_addr(std::error_code& ec) const;
  std::error_code take_error(std::error_code& ec);

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
  explicit UnixDatagram(NativeHandle handle) noexcept : io_(handle) {}
  detail::IoSource io_;
};

}  // namespace pollux::net
