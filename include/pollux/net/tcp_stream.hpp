// SPDX-License-Identifier: MIT
#pragma once
// TcpStream: a non-blocking TCP connection.

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <system_error>

#include <pollux/config.hpp>
#include <pollux/detail/io_source.hpp>
#include <pollux/net/shutdown.hpp>
#include <pollux/net/socket_addr.hpp>
#include <pollux/sys/transfer.hpp>  // the backend's half: stream_read, stream_write

namespace pollux::inline POLLUX_ABI()::net {

/// A connected (or connecting) TCP socket; move-only, closed (and removed from its
/// Registry) by its destructor.
///
/// Every operation that can block reports std::errc::operation_would_block instead; after
/// it, wait for the next event. A read that returns 0 into a non-empty buffer is EOF.
/// Writes to a closed peer fail (broken_pipe, connection_reset): never 0, never SIGPIPE.
class POLLUX_API TcpStream {
 public:
  /// An empty stream: every operation answers std::errc::bad_file_descriptor.
  TcpStream() noexcept = default;

  /// Starts connecting; the stream turns writable when the attempt is over. Then
  /// `peer_addr()` succeeds if it connected, and `take_error()` says why if it did not.
  static TcpStream connect(const SocketAddr& addr, std::error_code& ec);
  /// Adopts a connected socket and makes it non-blocking.
  static TcpStream from_native(NativeHandle handle, std::error_code& ec);

  TcpStream(TcpStream&&) noexcept = default;
  TcpStream& operator=(TcpStream&&) noexcept = default;

  // Inline: on Linux each is the system call and a test (pollux/sys/transfer.hpp).
  std::size_t read(std::span<std::byte> buf, std::error_code& ec) { return sys::stream_read(io_, buf, ec); }
  std::size_t write(std::span<const std::byte> buf, std::error_code& ec) {
    return sys::stream_write(io_, buf, ec);
  }
  std::size_t read_vectored(std::span<const std::span<std::byte>> bufs, std::error_code& ec);
  std::size_t write_vectored(std::span<const std::span<const std::byte>> bufs, std::error_code& ec);
  /// Reads without removing the data from the socket's queue.
  std::size_t peek(std::span<std::byte> buf, std::error_code& ec);

  [[nodiscard]] std::error_code shutdown(Shutdown how);
  SocketAddr local_addr(std::error_code& ec) const;
  SocketAddr peer_addr(std::error_code& ec) const;
  /// The socket's pending error (SO_ERROR); ec: failing to read it. On Unix reading it
  /// clears it; Windows keeps reporting it.
  std::error_code take_error(std::error_code& ec);

  [[nodiscard]] std::error_code set_nodelay(bool on);
  bool nodelay(std::error_code& ec) const;
  [[nodiscard]] std::error_code set_ttl(int ttl);
  int ttl(std::error_code& ec) const;
  /// nullopt: close returns at once; zero: close sends RST and drops unsent data.
  [[nodiscard]] std::error_code set_linger(std::optional<std::chrono::seconds> timeout);
  std::optional<std::chrono::seconds> linger(std::error_code& ec) const;

  NativeHandle native_handle() const noexcept { return io_.handle(); }
  bool is_open() const noexcept { return io_.is_open(); }
  /// Removes any registration and hands the socket over without closing it.
  NativeHandle release() noexcept { return io_.release(); }

  std::error_code add_to(const Registry& registry, Token token, Interest interest) {
    return io_.add_to(registry, token, interest);
  }
  std::error_code modify_in(const Registry& registry, Token token, Interest interest) {
    return io_.modify_in(registry, token, interest);
  }
  std::error_code remove_from(const Registry& registry) { return io_.remove_from(registry); }

 private:
  explicit TcpStream(NativeHandle handle) noexcept : io_(handle) {}
  friend class TcpListener;
  detail::IoSource io_;
};

}  // namespace pollux::net
