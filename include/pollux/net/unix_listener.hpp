// SPDX-License-Identifier: MIT
#pragma once
// UnixListener: a non-blocking listening Unix-domain socket (Unix only).

#include <system_error>

#include <pollux/config.hpp>
#include <pollux/detail/io_source.hpp>
#include <pollux/net/socket_addr.hpp>
#include <pollux/net/unix_stream.hpp>

namespace pollux::inline POLLUX_ABI()::net {

/// Readable when connections wait; accept until would-block. A path it binds stays in
/// the filesystem after close (as with any Unix socket): unlink it when done.
class POLLUX_API UnixListener {
 public:
  static constexpr int kBacklog = 1024;

  UnixListener() noexcept = default;

  /// Binds to a path or abstract name and listens. An existing path: address_in_use.
  static UnixListener bind(const SocketAddr& addr, std::error_code& ec);
  static UnixListener from_native(NativeHandle handle, std::error_code& ec);

  UnixListener(UnixListener&&) noexcept = default;
  UnixListener& operator=(UnixListener&&) noexcept = default;

  UnixStream accept(std::error_code& ec);
  UnixStream accept(SocketAddr& peer, std::error_code& ec);

  SocketAddr local_addr(std::error_code& ec) const;
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
  explicit UnixListener(NativeHandle handle) noexcept : io_(handle) {}
  detail::IoSource io_;
};

}  // namespace pollux::net
