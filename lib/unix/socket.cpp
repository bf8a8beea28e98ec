// SPDX-License-Identifier: MIT
// The socket operations of lib/sys_net.hpp over BSD sockets (Linux, the BSDs, macOS).

#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include <pollux/would_block.hpp>

#include "../sys_net.hpp"
#include "errno.hpp"

namespace pollux::inline POLLUX_ABI()::sys {
namespace {

// Linux and the BSDs suppress SIGPIPE per call; where MSG_NOSIGNAL is missing (macOS)
// SO_NOSIGPIPE is set on every socket instead (socket_open, accept, adopt).
#if defined(MSG_NOSIGNAL)
constexpr int kSendFlags = MSG_NOSIGNAL;
#else
constexpr int kSendFlags = 0;
#endif

// A vectored call passes at most this many buffers; a longer list is a partial transfer.
#if defined(IOV_MAX)
constexpr std::size_t kMaxIov = IOV_MAX < 1024 ? IOV_MAX : 1024;
#else
constexpr std::size_t kMaxIov = 16;
#endif

int domain_of(net::SocketAddr::Family family) {
  switch (family) {
    case net::SocketAddr::Family::ipv4:
      return AF_INET;
    case net::SocketAddr::Family::ipv6:
      return AF_INET6;
    case net::SocketAddr::Family::unix_domain:
      return AF_UNIX;
    case net::SocketAddr::Family::unspecified:
      break;
  }
  return -1;
}

std::error_code set_flags(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return errno_code();
  int fd_flags = ::fcntl(fd, F_GETFD);
  if (fd_flags < 0 || ::fcntl(fd, F_SETFD, fd_flags | FD_CLOEXEC) < 0) return errno_code();
#if defined(SO_NOSIGPIPE)
  int one = 1;
  // Not every fd is a socket (pipes adopted through here do not need it).
  (void)::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
  return {};
}

// Would-block ends every drain loop, so it has a path of its own next to success: the
// canonical code (is_would_block's) without a call for its category, and the re-arm.
void transfer_would_block(detail::IoSource& io, std::error_code& ec) noexcept {
  if (const auto* category = detail::kWouldBlockCategory) [[likely]] {
    ec.assign(detail::kWouldBlockValue, *category);
  } else {
    ec = errno_code(EWOULDBLOCK);  // before the library's statics are initialised
  }
  io.would_block();
}

// Kept out of line and cold: a transfer interrupted by a signal (retried) or failing for
// real. `call` is taken by reference so that the fast path keeps its arguments in memory
// for it, instead of in callee-saved registers that it would push and pop.
template <class Call>
[[gnu::cold, gnu::noinline]] std::size_t transfer_slow(detail::IoSource& io, std::error_code& ec, const Call& call) {
  for (;;) {
    const int e = errno;
    if (e == EAGAIN || e == EWOULDBLOCK) {
      transfer_would_block(io, ec);
      return 0;
    }
    if (e != EINTR) {
      ec = errno_code(e);
      return 0;
    }
    if (const ssize_t n = call(io.handle()); n >= 0) {
      set_success(ec);
      return static_cast<std::size_t>(n);
    }
  }
}

// One send/recv-like call: retried on EINTR, ec marked and the count returned on success.
template <class Call>
std::size_t transfer(detail::IoSource& io, std::error_code& ec, const Call& call) {
  if (const ssize_t n = call(io.handle()); n >= 0) [[likely]] {
    set_success(ec);
    return static_cast<std::size_t>(n);
  }
  if (const int e = errno; e == EAGAIN || e == EWOULDBLOCK) {
    transfer_would_block(io, ec);
    return 0;
  }
  return transfer_slow(io, ec, call);
}

}  // namespace

// The failed halves of the inline stream transfers of epoll's header set
// (pollux/sys/transfer.hpp); unused by the other Unix backend, whose transfers are the
// socket_recv/socket_send below.
POLLUX_API std::size_t stream_read_failed(detail::IoSource& io, std::span<std::byte> buf, std::error_code& ec) noexcept {
  return transfer_slow(io, ec, [&](int fd) { return ::recv(fd, buf.data(), buf.size(), 0); });
}

POLLUX_API std::size_t stream_write_failed(detail::IoSource& io,
                                           std::span<const std::byte> buf,
                                           std::error_code& ec) noexcept {
  return transfer_slow(io, ec, [&](int fd) { return ::send(fd, buf.data(), buf.size(), kSendFlags); });
}

NativeHandle socket_open(net::SocketAddr::Family family, SocketType type, std::error_code& ec) {
  const int domain = domain_of(family);
  if (domain < 0) {
    ec = std::make_error_code(std::errc::address_family_not_supported);
    return kInvalidHandle;
  }
  int kind = type == SocketType::stream ? SOCK_STREAM : SOCK_DGRAM;
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
  // Atomic: no window in which an exec in another thread could inherit the socket.
  int fd = ::socket(domain, kind | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ec = errno_code();
    return kInvalidHandle;
  }
#if defined(SO_NOSIGPIPE)
  ec = set_flags(fd);
#else
  ec.clear();
#endif
#else
  int fd = ::socket(domain, kind, 0);
  if (fd < 0) {
    ec = errno_code();
    return kInvalidHandle;
  }
  ec = set_flags(fd);
#endif
  if (ec) {
    ::close(fd);
    return kInvalidHandle;
  }
  return fd;
}

void socket_close(NativeHandle handle) noexcept {
  if (handle != kInvalidHandle) ::close(handle);
}

std::error_code socket_prepare_adopted(NativeHandle handle) {
  if (handle < 0) return std::make_error_code(std::errc::bad_file_descriptor);
  return set_flags(handle);
}

std::error_code socket_bind(NativeHandle handle, const net::SocketAddr& addr) {
  sockaddr_storage ss;
  std::error_code ec;
  auto len = socket_addr_to_native(addr, &ss, sizeof ss, ec);
  if (ec) return ec;
  if (::bind(handle, reinterpret_cast<sockaddr*>(&ss), static_cast<socklen_t>(len)) < 0) return errno_code();
  return {};
}

std::error_code socket_listen(NativeHandle handle, int backlog) {
  if (::listen(handle, backlog) < 0) return errno_code();
  return {};
}

NativeHandle socket_accept(NativeHandle handle, net::SocketAddr* peer, std::error_code& ec) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  int fd;
  do {
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
    fd = ::accept4(handle, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
    fd = ::accept(handle, reinterpret_cast<sockaddr*>(&ss), &len);
#endif
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    ec = errno_code();
    return kInvalidHandle;
  }
#if !(defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)) || defined(SO_NOSIGPIPE)
  if ((ec = set_flags(fd))) {
    ::close(fd);
    return kInvalidHandle;
  }
#endif
  ec.clear();
  if (peer) {
    std::error_code addr_ec;
    *peer = socket_addr_from_native(&ss, len, addr_ec);
    if (peer->is_unspecified() && ss.ss_family == AF_UNIX) *peer = net::SocketAddr::unix_unnamed();
  }
  return fd;
}

std::error_code socket_connect(NativeHandle handle, const net::SocketAddr& addr) {
  sockaddr_storage ss;
  std::error_code ec;
  auto len = socket_addr_to_native(addr, &ss, sizeof ss, ec);
  if (ec) return ec;
  if (::connect(handle, reinterpret_cast<sockaddr*>(&ss), static_cast<socklen_t>(len)) == 0) return {};
  // A non-blocking connect continues in the background; so does one that a signal
  // interrupted (POSIX), where calling connect again would only say EALREADY.
  if (errno == EINPROGRESS || errno == EINTR) return {};
  return errno_code();
}

std::size_t socket_send(detail::IoSource& io, std::span<const std::byte> buf, std::error_code& ec) {
  return transfer(io, ec, [&](int fd) { return ::send(fd, buf.data(), buf.size(), kSendFlags); });
}

std::size_t socket_recv(detail::IoSource& io, std::span<std::byte> buf, bool peek, std::error_code& ec) {
  const int flags = peek ? MSG_PEEK : 0;
  return transfer(io, ec, [&](int fd) { return ::recv(fd, buf.data(), buf.size(), flags); });
}

std::size_t socket_send_vectored(detail::IoSource& io,
                                 std::span<const std::span<const std::byte>> bufs,
                                 std::error_code& ec) {
  std::array<iovec, kMaxIov> iov;
  const std::size_t n = std::min(bufs.size(), kMaxIov);
  for (std::size_t i = 0; i < n; ++i) {
    iov[i].iov_base = const_cast<std::byte*>(bufs[i].data());
    iov[i].iov_len = bufs[i].size();
  }
  msghdr msg{};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = static_cast<decltype(msg.msg_iovlen)>(n);
  return transfer(io, ec, [&](int fd) { return ::sendmsg(fd, &msg, kSendFlags); });
}

std::size_t socket_recv_vectored(detail::IoSource& io,
                                 std::span<const std::span<std::byte>> bufs,
                                 std::error_code& ec) {
  std::array<iovec, kMaxIov> iov;
  const std::size_t n = std::min(bufs.size(), kMaxIov);
  for (std::size_t i = 0; i < n; ++i) {
    iov[i].iov_base = bufs[i].data();
    iov[i].iov_len = bufs[i].size();
  }
  msghdr msg{};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = static_cast<decltype(msg.msg_iovlen)>(n);
  return transfer(io, ec, [&](int fd) { return ::recvmsg(fd, &msg, 0); });
}

std::size_t socket_send_to(detail::IoSource& io,
                           std::span<const std::byte> buf,
                           const net::SocketAddr& to,
                           std::error_code& ec) {
  sockaddr_storage ss;
  auto len = socket_addr_to_native(to, &ss, sizeof ss, ec);
  if (ec) return 0;
  return transfer(io, ec, [&](int fd) {
    return ::sendto(fd, buf.data(), buf.size(), kSendFlags, reinterpret_cast<sockaddr*>(&ss),
                    static_cast<socklen_t>(len));
  });
}

std::size_t socket_recv_from(detail::IoSource& io,
                             std::span<std::byte> buf,
                             net::SocketAddr& from,
                             bool peek,
                             std::error_code& ec) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  const int flags = peek ? MSG_PEEK : 0;
  auto n = transfer(io, ec, [&](int fd) {
    len = sizeof ss;
    return ::recvfrom(fd, buf.data(), buf.size(), flags, reinterpret_cast<sockaddr*>(&ss), &len);
  });
  if (ec) {
    from = {};
    return 0;
  }
  std::error_code addr_ec;
  from = socket_addr_from_native(&ss, len, addr_ec);
  return n;
}

std::error_code socket_shutdown(NativeHandle handle, net::Shutdown how) {
  int native = how == net::Shutdown::read ? SHUT_RD : how == net::Shutdown::write ? SHUT_WR : SHUT_RDWR;
  if (::shutdown(handle, native) < 0) return errno_code();
  return {};
}

net::SocketAddr socket_local_addr(NativeHandle handle, std::error_code& ec) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(handle, reinterpret_cast<sockaddr*>(&ss), &len) < 0) {
    ec = errno_code();
    return {};
  }
  auto addr = socket_addr_from_native(&ss, len, ec);
  if (!ec && addr.is_unspecified()) addr = net::SocketAddr::unix_unnamed();
  return addr;
}

net::SocketAddr socket_peer_addr(NativeHandle handle, std::error_code& ec) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(handle, reinterpret_cast<sockaddr*>(&ss), &len) < 0) {
    ec = errno_code();
    return {};
  }
  auto addr = socket_addr_from_native(&ss, len, ec);
  if (!ec && addr.is_unspecified()) addr = net::SocketAddr::unix_unnamed();
  return addr;
}

std::error_code socket_take_error(NativeHandle handle, std::error_code& ec) {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(handle, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
    ec = errno_code();
    return {};
  }
  ec.clear();
  if (err == 0) return {};
  return errno_code(err);
}

}  // namespace pollux::sys
