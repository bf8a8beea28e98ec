// SPDX-License-Identifier: MIT
#pragma once
// UnixStream: a non-blocking Unix-domain stream socket (Unix only; not in the umbrella).

#include <cstddef>
#include <span>
#include <system_error>
#include <utility>

#include <pollux/config.hpp>
#include <pollux/detail/io_source.hpp>
#include <pollux/net/shutdown.hpp>
#include <pollux/net/socket_addr.hpp>

namespace pollux::inline POLLUX_ABI()::net {

/// Semantics as TcpStream's: would-block instead of blocking, 0 into a non-empty buffer
/// is EOF, writes to a closed peer fail without SIGPIPE. Move-only; the destructor closes.
class POLLUX_API UnixStream {
 public:
  UnixStream() noexcept = default;

  /// Starts connecting to a Unix address (path or abstract name); the stream turns
  /// writable when connected. A listener with a full backlog: would-block.
  static UnixStream connect(const SocketAddr& addr, std::error_code& ec);
  /// Two connected, unnamed streams (socketpair).
  static std::pair<UnixStream, UnixStream> pair(std::error_code& ec);
  static UnixStream from_native(NativeHandle handle, std::error_code& ec);

  UnixStream(UnixStream&&) noexcept = default;
  UnixStream& operator=(UnixStream&&) noexcept = default;

  std::size_t read(std::span<std::byte> buf, std::error_code& ec);
  std::size_t write(std::span<const std::byte> buf, std::error_code& ec);
  std::size_t read_vectored(std::span<const std::span<std::byte>> bufs, std::error_code& ec);
  std::size_t write_vectored(std::span<const std::span<const std::byte>> bufs, std::error_code& ec);

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
  explicit UnixStream(NativeHandle handle) noexcept : io_(handle) {}
  friend class UnixListener;
  detail::IoSource io_;
};

}  // namespace pollux::net
