// SPDX-License-Identifier: MIT
// Per-socket AFD polling: base-socket lookup, event translation, update and feed.

#include "sock.hpp"

#include <pollux/event.hpp>

#include "error.hpp"

// mingw-w64's mswsock.h may lack these (values from the Windows SDK's mswsock.h).
#ifndef SIO_BSP_HANDLE_SELECT
#define SIO_BSP_HANDLE_SELECT _WSAIORW(IOC_WS2, 28)
#endif
#ifndef SIO_BSP_HANDLE_POLL
#define SIO_BSP_HANDLE_POLL _WSAIORW(IOC_WS2, 29)
#endif
#ifndef SIO_BASE_HANDLE
#define SIO_BASE_HANDLE _WSAIOR(IOC_WS2, 34)
#endif

namespace pollux::inline POLLUX_ABI()::sys {

namespace {

constexpr ULONG kReadableEvents = kAfdReceive | kAfdAccept | kAfdDisconnect | kAfdAbort | kAfdConnectFail;
constexpr ULONG kWritableEvents = kAfdSend | kAfdAbort | kAfdConnectFail;
constexpr ULONG kReadClosedEvents = kAfdDisconnect | kAfdAbort | kAfdConnectFail;
constexpr ULONG kWriteClosedEvents = kAfdAbort | kAfdConnectFail;

SOCKET ioctl_socket(SOCKET socket, DWORD code) noexcept {
  SOCKET result = INVALID_SOCKET;
  DWORD bytes = 0;
  if (WSAIoctl(socket, code, nullptr, 0, &result, sizeof result, &bytes, nullptr, nullptr) ==
      SOCKET_ERROR) {
    return INVALID_SOCKET;
  }
  return result;
}

}  // namespace

ULONG afd_events(Interest interest) noexcept {
  ULONG events = 0;
  if (interest.is_readable()) events |= kReadableEvents;
  if (interest.is_writable()) events |= kWritableEvents;
  if (interest.is_priority()) events |= kAfdReceiveExpedited;
  return events;
}

std::uint32_t event_flags(ULONG afd) noexcept {
  std::uint32_t flags = 0;
  if (afd & kReadableEvents) flags |= Event::kReadable;
  if (afd & kWritableEvents) flags |= Event::kWritable;
  if (afd & kReadClosedEvents) flags |= Event::kReadClosed;
  if (afd & kWriteClosedEvents) flags |= Event::kWriteClosed;
  if (afd & kAfdConnectFail) flags |= Event::kError;
  if (afd & kAfdReceiveExpedited) flags |= Event::kPriority;
  return flags;
}

SOCKET base_socket(SOCKET socket, std::error_code& ec) noexcept {
  // Wine answers SIO_BASE_HANDLE with the handle it was given, socket or not, so ask a
  // question only a live socket can answer first.
  int type = 0;
  int type_len = sizeof type;
  if (getsockopt(socket, SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type), &type_len) == SOCKET_ERROR) {
    ec = wsa_error();
    return INVALID_SOCKET;
  }
  // Layered service providers must pass SIO_BASE_HANDLE through, yet some (those built
  // on Komodia's redirector, as wepoll's ws.c records) fail it on purpose. Asking such a
  // layer for the socket it polls or selects on (SIO_BSP_HANDLE_POLL, _SELECT) peels it
  // off; then the next layer is asked for its base. A chain deeper than the bound is
  // taken to be a loop.
  for (int layer = 0; layer < 16; ++layer) {
    SOCKET base = ioctl_socket(socket, SIO_BASE_HANDLE);
    if (base != INVALID_SOCKET) {
      ec.clear();
      return base;
    }
    int error = WSAGetLastError();
    if (error == WSAENOTSOCK) {
      // What a closed (or never opened) handle gives: say it as Registry documents it.
      ec = std::make_error_code(std::errc::bad_file_descriptor);
      return INVALID_SOCKET;
    }
    SOCKET next = ioctl_socket(socket, SIO_BSP_HANDLE_POLL);
    if (next == INVALID_SOCKET || next == socket) next = ioctl_socket(socket, SIO_BSP_HANDLE_SELECT);
    if (next == INVALID_SOCKET || next == socket) {
      ec = win_error(static_cast<DWORD>(error));
      return INVALID_SOCKET;
    }
    socket = next;
  }
  ec = std::make_error_code(std::errc::too_many_symbolic_link_levels);
  return INVALID_SOCKET;
}

std::error_code SourceRecord::update() noexcept {
  if (removed || closed) return {};
  switch (status) {
    case PollStatus::cancelled:
      // Re-polled once the cancellation's completion has been fed.
      return {};
    case PollStatus::pending:
      // A poll for more than we want is harmless (feed masks it); one for less is not.
      if ((user_events & ~pending_events) == 0) return {};
      if (auto ec = afd_cancel(group->afd, poll.iosb)) return ec;
      status = PollStatus::cancelled;
      pending_events = 0;
      return {};
    case PollStatus::idle:
      break;
  }
  if (user_events == 0) return {};
  poll.owner = this;
  poll.info.exclusive = FALSE;
  poll.info.number_of_handles = 1;
  poll.info.timeout.QuadPart = INT64_MAX;
  poll.info.handles[0].handle = reinterpret_cast<HANDLE>(base);
  poll.info.handles[0].status = 0;
  // LOCAL_CLOSE always: it tells us the socket is gone, so it is never polled again.
  poll.info.handles[0].events = user_events | kAfdLocalClose;
  if (auto ec = afd_poll(group->afd, poll.info, poll.iosb)) {
    // The socket was closed without being deregistered; there is nothing left to poll.
    if (ec.value() == ERROR_INVALID_HANDLE) {
      closed = true;
      return {};
    }
    return ec;
  }
  status = PollStatus::pending;
  pending_events = user_events;
  return {};
}

std::uint32_t SourceRecord::feed() noexcept {
  status = PollStatus::idle;
  pending_events = 0;
  if (removed) return 0;
  nt::NtStatus result = poll.iosb.status;
  ULONG afd = 0;
  if (result == nt::kStatusCancelled) {
    // Cancelled by update() to poll for more: the selector polls again.
    return 0;
  } else if (!nt::succeeded(result)) {
    // The poll itself failed: report it as an error on the socket, as wepoll does.
    afd = kAfdConnectFail;
  } else if (poll.info.number_of_handles < 1) {
    return 0;
  } else if (poll.info.handles[0].events & kAfdLocalClose) {
    closed = true;
    return 0;
  } else {
    afd = poll.info.handles[0].events;
  }
  afd &= user_events;
  user_events &= ~afd;
  return event_flags(afd);
}

}  // namespace pollux::sys
