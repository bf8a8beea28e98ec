// SPDX-License-Identifier: MIT
// The socket operations of lib/sys_net.hpp over Winsock.
//
// Sockets are created overlapped-capable (WSA_FLAG_OVERLAPPED, as AFD polling and any
// later overlapped use need), non-blocking (FIONBIO) and not inheritable. Windows has no
// SIGPIPE and no EINTR for these calls, so nothing is retried.

#include "win.hpp"

#include <algorithm>
#include <array>
#include <climits>

#include "../sys_net.hpp"
#include "error.hpp"
#include "selector.hpp"
#include "winsock.hpp"

#ifndef WSA_FLAG_NO_HANDLE_INHERIT
#define WSA_FLAG_NO_HANDLE_INHERIT 0x80
#endif
#ifndef SIO_UDP_CONNRESET
#define SIO_UDP_CONNRESET _WSAIOW(IOC_VENDOR, 12)
#endif

namespace pollux::inline POLLUX_ABI()::sys {
namespace {

// WSASend/WSARecv take a count of WSABUFs; a longer list is a partial transfer.
constexpr std::size_t kMaxBufs = 64;

SOCKET native(NativeHandle handle) noexcept { return static_cast<SOCKET>(handle); }

// Winsock lengths are ints: a larger buffer is a partial transfer.
int clamp_len(std::size_t n) noexcept { return n > INT_MAX ? INT_MAX : static_cast<int>(n); }
ULONG clamp_ulong(std::size_t n) noexcept { return n > ULONG_MAX ? ULONG_MAX : static_cast<ULONG>(n); }

std::error_code prepare(SOCKET s) noexcept {
  u_long one = 1;
  if (ioctlsocket(s, FIONBIO, &one) == SOCKET_ERROR) return wsa_error();
  if (!SetHandleInformation(reinterpret_cast<HANDLE>(s), HANDLE_FLAG_INHERIT, 0)) return win_error();
  return {};
}

// The failing path of a transfer: the error, and a re-arm of the source's AFD poll when
// it would block (its edge is consumed until it is armed again).
std::size_t transfer_failed(detail::IoSource& io, int error, std::error_code& ec) noexcept {
  ec = win_error(static_cast<DWORD>(error));
  if (error == WSAEWOULDBLOCK) io.would_block();
  return 0;
}

std::size_t transfer_result(detail::IoSource& io, int n, std::error_code& ec) noexcept {
  if (n == SOCKET_ERROR) return transfer_failed(io, WSAGetLastError(), ec);
  ec.clear();
  return static_cast<std::size_t>(n);
}

}  // namespace

NativeHandle socket_open(net::SocketAddr::Family family, SocketType type, std::error_code& ec) {
  int af;
  switch (family) {
    case net::SocketAddr::Family::ipv4: af = AF_INET; break;
    case net::SocketAddr::Family::ipv6: af = AF_INET6; break;
    default:
      ec = std::make_error_code(std::errc::address_family_not_supported);
      return kInvalidHandle;
  }
  if ((ec = winsock_init())) return kInvalidHandle;
  const int kind = type == SocketType::stream ? SOCK_STREAM : SOCK_DGRAM;
  // Not inheritable from birth where the flag exists (Windows 7 SP1); older systems
  // refuse it with WSAEINVAL and get SetHandleInformation in prepare() only.
  SOCKET s = WSASocketW(af, kind, 0, nullptr, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET && WSAGetLastError() == WSAEINVAL) {
    s = WSASocketW(af, kind, 0, nullptr, 0, WSA_FLAG_OVERLAPPED);
  }
  if (s == INVALID_SOCKET) {
    ec = wsa_error();
    return kInvalidHandle;
  }
  if ((ec = prepare(s))) {
    closesocket(s);
    return kInvalidHandle;
  }
  if (type == SocketType::datagram) {
    // Otherwise an ICMP port-unreachable for an earlier send_to makes the next
    // recv_from fail with WSAECONNRESET, which no other OS does to unconnected sockets.
    BOOL report = FALSE;
    DWORD bytes = 0;
    (void)WSAIoctl(s, SIO_UDP_CONNRESET, &report, sizeof report, nullptr, 0, &bytes, nullptr, nullptr);
  }
  return static_cast<NativeHandle>(s);
}

void socket_close(NativeHandle handle) noexcept {
  if (handle != kInvalidHandle) closesocket(native(handle));
}

std::error_code socket_prepare_adopted(NativeHandle handle) {
  if (handle == kInvalidHandle) return std::make_error_code(std::errc::bad_file_descriptor);
  if (auto ec = winsock_init()) return ec;
  return prepare(native(handle));
}

std::error_code socket_bind(NativeHandle handle, const net::SocketAddr& addr) {
  sockaddr_storage ss;
  std::error_code ec;
  auto len = socket_addr_to_native(addr, &ss, sizeof ss, ec);
  if (ec) return ec;
  if (bind(native(handle), reinterpret_cast<sockaddr*>(&ss), static_cast<int>(len)) == SOCKET_ERROR) {
    return wsa_error();
  }
  return {};
}

std::error_code socket_listen(NativeHandle handle, int backlog) {
  if (listen(native(handle), backlog) == SOCKET_ERROR) return wsa_error();
  return {};
}

NativeHandle socket_accept(NativeHandle handle, net::SocketAddr* peer, std::error_code& ec) {
  sockaddr_storage ss{};
  int len = sizeof ss;
  SOCKET s = accept(native(handle), reinterpret_cast<sockaddr*>(&ss), &len);
  if (s == INVALID_SOCKET) {
    ec = wsa_error();
    return kInvalidHandle;
  }
  // An accepted socket inherits the listener's non-blocking mode, but not reliably its
  // inheritance flag; set both.
  if ((ec = prepare(s))) {
    closesocket(s);
    return kInvalidHandle;
  }
  if (peer) {
    std::error_code addr_ec;
    *peer = socket_addr_from_native(&ss, static_cast<std::size_t>(len), addr_ec);
  }
  return static_cast<NativeHandle>(s);
}

std::error_code socket_connect(NativeHandle handle, const net::SocketAddr& addr) {
  sockaddr_storage ss;
  std::error_code ec;
  auto len = socket_addr_to_native(addr, &ss, sizeof ss, ec);
  if (ec) return ec;
  if (connect(native(handle), reinterpret_cast<sockaddr*>(&ss), static_cast<int>(len)) == 0) return {};
  // A non-blocking connect says WSAEWOULDBLOCK (not EINPROGRESS) while it continues.
  if (WSAGetLastError() == WSAEWOULDBLOCK) return {};
  return wsa_error();
}

std::size_t socket_send(detail::IoSource& io, std::span<const std::byte> buf, std::error_code& ec) {
  return transfer_result(io, send(native(io.handle()), reinterpret_cast<const char*>(buf.data()), clamp_len(buf.size()), 0), ec);
}

std::size_t socket_recv(detail::IoSource& io, std::span<std::byte> buf, bool peek, std::error_code& ec) {
  int n = recv(native(io.handle()), reinterpret_cast<char*>(buf.data()), clamp_len(buf.size()), peek ? MSG_PEEK : 0);
  // After shutdown(SD_RECEIVE) Winsock fails reads with WSAESHUTDOWN; POSIX reads EOF.
  if (n == SOCKET_ERROR && WSAGetLastError() == WSAESHUTDOWN) n = 0;
  return transfer_result(io, n, ec);
}

std::size_t socket_send_vectored(detail::IoSource& io,
                                 std::span<const std::span<const std::byte>> bufs,
                                 std::error_code& ec) {
  std::array<WSABUF, kMaxBufs> wsabufs;
  const std::size_t n = std::min(bufs.size(), kMaxBufs);
  for (std::size_t i = 0; i < n; ++i) {
    wsabufs[i].buf = const_cast<char*>(reinterpret_cast<const char*>(bufs[i].data()));
    wsabufs[i].len = clamp_ulong(bufs[i].size());
  }
  DWORD sent = 0;
  if (WSASend(native(io.handle()), wsabufs.data(), static_cast<DWORD>(n), &sent, 0, nullptr, nullptr) ==
      SOCKET_ERROR) {
    return transfer_failed(io, WSAGetLastError(), ec);
  }
  ec.clear();
  return sent;
}

std::size_t socket_recv_vectored(detail::IoSource& io,
                                 std::span<const std::span<std::byte>> bufs,
                                 std::error_code& ec) {
  std::array<WSABUF, kMaxBufs> wsabufs;
  const std::size_t n = std::min(bufs.size(), kMaxBufs);
  for (std::size_t i = 0; i < n; ++i) {
    wsabufs[i].buf = reinterpret_cast<char*>(bufs[i].data());
    wsabufs[i].len = clamp_ulong(bufs[i].size());
  }
  DWORD received = 0;
  DWORD flags = 0;
  if (WSARecv(native(io.handle()), wsabufs.data(), static_cast<DWORD>(n), &received, &flags, nullptr,
              nullptr) == SOCKET_ERROR) {
    int error = WSAGetLastError();
    if (error == WSAESHUTDOWN) {
      ec.clear();
      return 0;
    }
    return transfer_failed(io, error, ec);
  }
  ec.clear();
  return received;
}

std::size_t socket_send_to(detail::IoSource& io,
                           std::span<const std::byte> buf,
                           const net::SocketAddr& to,
                           std::error_code& ec) {
  sockaddr_storage ss;
  auto len = socket_addr_to_native(to, &ss, sizeof ss, ec);
  if (ec) return 0;
  return transfer_result(io, sendto(native(io.handle()), reinterpret_cast<const char*>(buf.data()), clamp_len(buf.size()), 0,
                          reinterpret_cast<sockaddr*>(&ss), static_cast<int>(len)),
                   ec);
}

std::size_t socket_recv_from(detail::IoSource& io,
                             std::span<std::byte> buf,
                             net::SocketAddr& from,
                             bool peek,
                             std::error_code& ec) {
  sockaddr_storage ss{};
  int len = sizeof ss;
  int n = recvfrom(native(io.handle()), reinterpret_cast<char*>(buf.data()), clamp_len(buf.size()),
                   peek ? MSG_PEEK : 0, reinterpret_cast<sockaddr*>(&ss), &len);
  // A datagram longer than the buffer fills it and fails with WSAEMSGSIZE; POSIX
  // returns the truncated length, which is what the contract promises.
  if (n == SOCKET_ERROR && WSAGetLastError() == WSAEMSGSIZE) n = clamp_len(buf.size());
  std::size_t result = transfer_result(io, n, ec);
  if (ec) {
    from = {};
    return 0;
  }
  std::error_code addr_ec;
  from = socket_addr_from_native(&ss, static_cast<std::size_t>(len), addr_ec);
  return result;
}

std::error_code socket_shutdown(NativeHandle handle, net::Shutdown how) {
  int native_how = how == net::Shutdown::read ? SD_RECEIVE : how == net::Shutdown::write ? SD_SEND : SD_BOTH;
  if (shutdown(native(handle), native_how) == SOCKET_ERROR) return wsa_error();
  // As a POSIX system would report it: reads now end at once (EOF), and after both
  // directions the socket is hung up. A write-only shutdown changes no readiness there.
  if (how == net::Shutdown::read) {
    notify_shutdown(native(handle), Event::kReadable | Event::kReadClosed);
  } else if (how == net::Shutdown::both) {
    notify_shutdown(native(handle), Event::kReadable | Event::kReadClosed | Event::kWriteClosed);
  }
  return {};
}

net::SocketAddr socket_local_addr(NativeHandle handle, std::error_code& ec) {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (getsockname(native(handle), reinterpret_cast<sockaddr*>(&ss), &len) == SOCKET_ERROR) {
    ec = wsa_error();
    return {};
  }
  return socket_addr_from_native(&ss, static_cast<std::size_t>(len), ec);
}

net::SocketAddr socket_peer_addr(NativeHandle handle, std::error_code& ec) {
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (getpeername(native(handle), reinterpret_cast<sockaddr*>(&ss), &len) == SOCKET_ERROR) {
    ec = wsa_error();
    return {};
  }
  return socket_addr_from_native(&ss, static_cast<std::size_t>(len), ec);
}

std::error_code socket_take_error(NativeHandle handle, std::error_code& ec) {
  int err = 0;
  int len = sizeof err;
  if (getsockopt(native(handle), SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&err), &len) == SOCKET_ERROR) {
    ec = wsa_error();
    return {};
  }
  ec.clear();
  if (err == 0) return {};
  return win_error(static_cast<DWORD>(err));
}

}  // namespace pollux::sys
