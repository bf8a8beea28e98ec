// SPDX-License-Identifier: MIT
#pragma once
// AFD, the kernel driver behind Winsock, polled directly as wepoll and mio do: one
// IOCTL_AFD_POLL per socket on a \Device\Afd handle associated with the completion port
// completes (with the events that fired) when the socket becomes ready. This is the
// only way to get readiness for many sockets through one IOCP. Undocumented but stable
// since Windows XP, used by libuv, wepoll, mio, and implemented by Wine.

#include <system_error>

#include "iocp.hpp"
#include "nt.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

// AFD_POLL_* event bits (afd.h in ReactOS; the same values in wepoll and mio).
inline constexpr ULONG kAfdReceive = 0x0001;
inline constexpr ULONG kAfdReceiveExpedited = 0x0002;
inline constexpr ULONG kAfdSend = 0x0004;
inline constexpr ULONG kAfdDisconnect = 0x0008;
inline constexpr ULONG kAfdAbort = 0x0010;
inline constexpr ULONG kAfdLocalClose = 0x0020;
inline constexpr ULONG kAfdAccept = 0x0080;
inline constexpr ULONG kAfdConnectFail = 0x0100;

struct AfdPollHandleInfo {
  HANDLE handle;
  ULONG events;
  nt::NtStatus status;
};

struct AfdPollInfo {
  LARGE_INTEGER timeout;
  ULONG number_of_handles;
  ULONG exclusive;
  AfdPollHandleInfo handles[1];
};

/// One \Device\Afd handle, shared by up to kMaxSize sockets: AFD slows down when one
/// handle carries many polls (wepoll measured it), and one handle per socket would
/// double the handle count.
struct PollGroup {
  static constexpr int kMaxSize = 32;
  HANDLE afd = nullptr;
  int size = 0;
};

/// Opens a \Device\Afd handle and associates it with `port` under kKeyAfd.
HANDLE afd_open(Port& port, std::error_code& ec) noexcept;
/// Starts a poll; its completion reaches the port with `iosb` as lpOverlapped.
/// `info` and `iosb` must stay valid until that completion has been dequeued.
std::error_code afd_poll(HANDLE afd, AfdPollInfo& info, nt::IoStatusBlock& iosb) noexcept;
/// Asks a pending poll to finish with STATUS_CANCELLED; its completion still arrives.
std::error_code afd_cancel(HANDLE afd, nt::IoStatusBlock& iosb) noexcept;

}  // namespace pollux::sys
