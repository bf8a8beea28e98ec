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
  /// Adopts an open socket of the right kind, makes it non-blocking and owns it from
  /// then on.
  static UnixStream from_native(NativeHandle handle, std::error_code& ec);

  ///@{
  /// Movable, not copyable: the handle moves with it.
  UnixStream(UnixStream&&) noexcept = default;
  UnixStream& operator=(UnixStream&&) noexcept = default;
  ///@}

  /// Reads what is available now into `buf`; 0 is end of stream (or an empty `buf`),
  /// std::errc::operation_would_block that nothing is there yet.
  std::size_t read(std::span<std::byte> buf, std::error_code& ec);
  /// Writes as much of the buffer as fits now and returns how much;
  /// std::errc::operation_would_block when nothing fits.
  std::size_t write(std::span<const std::byte> buf, std::error_code& ec);
  /// As read(), scattering into several buffers in one system call.
  std::size_t read_vectored(std::span<const std::span<std::byte>> bufs, std::error_code& ec);
  /// As write(), gathering from several buffers in one system call.
  std::size_t write_vectored(std::span<const std::span<const std::byte>> bufs, std::error_code& ec);

  /// Shuts down reading, writing or both; the peer reads end of stream once writing is shut.
  [[nodiscard]] std::error_code shutdown(Shutdown how);
  /// The address this socket is bound to.
  SocketAddr local_addr(std::error_code& ec) const;
  /// The address of the connected peer.
  SocketAddr peer_addr(std::error_code& ec) const;
  /// The socket's pending error (SO_ERROR), which this clears; empty when there is none.
  /// `ec` reports a failure to ask.
  std::error_code take_error(std::error_code& ec);

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
  explicit UnixStream(NativeHandle handle) noexcept : io_(handle) {}
  friend class UnixListener;
  detail::IoSource io_;
};

}  // namespace pollux::net
