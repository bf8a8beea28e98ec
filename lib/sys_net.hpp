// SPDX-License-Identifier: MIT
#pragma once
// The socket half of the internal contract (lib/sys.hpp names it). Every backend OS
// implements all of it in files of its own: lib/unix/socket*.cpp over BSD sockets,
// lib/win/ over Winsock. The portable net types (lib/net/*.cpp) call only these and
// detail::IoSource, so nothing here may name an OS type.
//
// Rules every implementation keeps:
// - Handles are created non-blocking and close-on-exec (not inheritable on Windows),
//   atomically where the OS can, so a fork/exec in another thread cannot inherit them.
// - Errors are std::error_code; "would block" is the backend's canonical code, the one
//   pollux::is_would_block() recognises at once, and it compares equal to
//   std::errc::operation_would_block (EAGAIN, EWOULDBLOCK, WSAEWOULDBLOCK alike).
// - The transfers (send/recv and their variants) take the IoSource and re-arm it
//   themselves when they would block (IoSource::would_block), so that the net types can
//   hand the call straight on: these are the hot path of every event loop, and a second
//   layer that inspected the result again cost as much as the system call's own wrapper.
//   The other operations take the handle; their callers pass would-block through
//   IoSource::track().
// - An interrupted call (EINTR) is retried inside and never reported.
// - Sending never raises SIGPIPE: a write to a closed peer fails (EPIPE/ECONNRESET).
// - kInvalidHandle, or an address of a family the socket cannot use, is a clear error
//   (bad_file_descriptor, address_family_not_supported, filename_too_long,
//   invalid_argument), never a crash.
// - Functions returning a value set ec (cleared on success); on failure the value is
//   kInvalidHandle, 0 or the unspecified SocketAddr.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>

#include <pollux/config.hpp>
#include <pollux/detail/io_source.hpp>
#include <pollux/detail/set_success.hpp>
#include <pollux/net/ip_addr.hpp>
#include <pollux/net/shutdown.hpp>
#include <pollux/net/socket_addr.hpp>

namespace pollux::inline POLLUX_ABI()::sys {

enum class SocketType { stream, datagram };

using detail::set_success;

/// Writes the OS's sockaddr for `addr` into `storage` (a sockaddr_storage or larger,
/// suitably aligned) and returns its length. Families or names the OS cannot hold:
/// address_family_not_supported / filename_too_long / invalid_argument, and 0.
std::size_t socket_addr_to_native(const net::SocketAddr& addr,
                                  void* storage,
                                  std::size_t capacity,
                                  std::error_code& ec);
/// Reads an OS sockaddr of `length` bytes (as accept/getsockname/recvfrom return it).
net::SocketAddr socket_addr_from_native(const void* sockaddr, std::size_t length, std::error_code& ec);

/// A socket of the address family of `family` (ipv4, ipv6, unix_domain).
NativeHandle socket_open(net::SocketAddr::Family family, SocketType type, std::error_code& ec);
/// Closes a handle that no IoSource owns yet (IoSource::close is the usual way).
void socket_close(NativeHandle handle) noexcept;
/// For adopted handles: makes `handle` non-blocking (and close-on-exec where it exists).
std::error_code socket_prepare_adopted(NativeHandle handle);

std::error_code socket_bind(NativeHandle handle, const net::SocketAddr& addr);
std::error_code socket_listen(NativeHandle handle, int backlog);
/// A new non-blocking, close-on-exec handle; `peer` (if non-null) receives its address.
NativeHandle socket_accept(NativeHandle handle, net::SocketAddr* peer, std::error_code& ec);
/// Starts a connection. Success means it completed or is in progress (EINPROGRESS /
/// WSAEWOULDBLOCK): writable readiness then tells it finished, and socket_take_error or
/// socket_peer_addr whether it succeeded. Datagram sockets connect at once.
std::error_code socket_connect(NativeHandle handle, const net::SocketAddr& addr);

std::size_t socket_send(detail::IoSource& io, std::span<const std::byte> buf, std::error_code& ec);
/// With `peek`, the data stays queued (MSG_PEEK).
std::size_t socket_recv(detail::IoSource& io, std::span<std::byte> buf, bool peek, std::error_code& ec);
/// Scatter/gather. Implementations may use only a prefix of a very long list (the OS's
/// IOV_MAX); the byte count tells how far it got, as for any partial transfer.
std::size_t socket_send_vectored(detail::IoSource& io,
                                 std::span<const std::span<const std::byte>> bufs,
                                 std::error_code& ec);
std::size_t socket_recv_vectored(detail::IoSource& io,
                                 std::span<const std::span<std::byte>> bufs,
                                 std::error_code& ec);
std::size_t socket_send_to(detail::IoSource& io,
                           std::span<const std::byte> buf,
                           const net::SocketAddr& to,
                           std::error_code& ec);
/// One datagram; a longer one is truncated to `buf` (its rest is lost, as with recvfrom).
/// An unnamed Unix sender may come back as the unspecified address (the kernel gave no
/// address bytes); the Unix types turn that into SocketAddr::unix_unnamed().
std::size_t socket_recv_from(detail::IoSource& io,
                             std::span<std::byte> buf,
                             net::SocketAddr& from,
                             bool peek,
                             std::error_code& ec);

std::error_code socket_shutdown(NativeHandle handle, net::Shutdown how);
net::SocketAddr socket_local_addr(NativeHandle handle, std::error_code& ec);
net::SocketAddr socket_peer_addr(NativeHandle handle, std::error_code& ec);
/// Returns the socket's pending error (SO_ERROR); ec reports failing to read it. Unix
/// kernels clear it as it is read; Winsock (and Wine) keep it.
std::error_code socket_take_error(NativeHandle handle, std::error_code& ec);

/// Options whose value is an int (booleans as 0/1). Each maps to one OS option.
enum class SocketOption {
  // Rebinding a port whose old connections linger in TIME_WAIT: SO_REUSEADDR on Unix.
  // Windows allows that by default and its SO_REUSEADDR would let a second socket take
  // a live port, so there it must succeed and do nothing (reading it returns 0).
  reuse_address,
  keepalive,          // SO_KEEPALIVE
  broadcast,          // SO_BROADCAST
  recv_buffer_size,   // SO_RCVBUF
  send_buffer_size,   // SO_SNDBUF
  nodelay,            // TCP_NODELAY
  ttl,                // IP_TTL
  only_v6,            // IPV6_V6ONLY
  unicast_hops_v6,    // IPV6_UNICAST_HOPS
  multicast_loop_v4,  // IP_MULTICAST_LOOP
  multicast_ttl_v4,   // IP_MULTICAST_TTL
  multicast_loop_v6,  // IPV6_MULTICAST_LOOP
  multicast_hops_v6,  // IPV6_MULTICAST_HOPS
};
std::error_code socket_set_option(NativeHandle handle, SocketOption option, int value);
int socket_get_option(NativeHandle handle, SocketOption option, std::error_code& ec);

/// SO_LINGER: nullopt turns lingering off (close returns at once, data is sent in the
/// background); a zero timeout makes close reset the connection (RST).
std::error_code socket_set_linger(NativeHandle handle, std::optional<std::chrono::seconds> timeout);
std::optional<std::chrono::seconds> socket_linger(NativeHandle handle, std::error_code& ec);

/// Joins (join = true) or leaves an IPv4 group on the interface with address `iface`
/// (unspecified: the OS chooses).
std::error_code socket_multicast_v4(NativeHandle handle,
                                    const net::Ipv4Addr& group,
                                    const net::Ipv4Addr& iface,
                                    bool join);
/// Joins or leaves an IPv6 group on the interface with index `iface` (0: the OS chooses).
std::error_code socket_multicast_v6(NativeHandle handle,
                                    const net::Ipv6Addr& group,
                                    std::uint32_t iface,
                                    bool join);

}  // namespace pollux::sys
