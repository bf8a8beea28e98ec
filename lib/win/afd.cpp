// SPDX-License-Identifier: MIT
// \Device\Afd handles and IOCTL_AFD_POLL.

#include "afd.hpp"

#include "error.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

namespace {

// CTL_CODE(FILE_DEVICE_NETWORK, AFD_POLL = 9, METHOD_BUFFERED, FILE_ANY_ACCESS).
constexpr ULONG kIoctlAfdPoll = 0x00012024;
constexpr ULONG kFileOpen = 1;  // FILE_OPEN create disposition

// Any name under \Device\Afd opens the driver; the suffix only shows who opened it.
constexpr WCHAR kAfdName[] = L"\\Device\\Afd\\Pollux";

}  // namespace

HANDLE afd_open(Port& port, std::error_code& ec) noexcept {
  if ((ec = nt::init())) return nullptr;
  nt::UnicodeString name{sizeof kAfdName - sizeof(WCHAR), sizeof kAfdName, kAfdName};
  nt::ObjectAttributes attributes{sizeof(nt::ObjectAttributes), nullptr, &name, 0, nullptr, nullptr};
  nt::IoStatusBlock iosb{};
  HANDLE afd = nullptr;
  nt::NtStatus status = nt::NtCreateFile(&afd, SYNCHRONIZE, &attributes, &iosb, nullptr, 0,
                                         FILE_SHARE_READ | FILE_SHARE_WRITE, kFileOpen, 0,
                                         nullptr, 0);
  if (!nt::succeeded(status)) {
    ec = nt_error(status);
    return nullptr;
  }
  if ((ec = port.associate(afd, kKeyAfd))) {
    CloseHandle(afd);
    return nullptr;
  }
  // Completions go to the port only; nobody waits on the handle itself.
  if (!SetFileCompletionNotificationModes(afd, FILE_SKIP_SET_EVENT_ON_HANDLE)) {
    ec = win_error();
    CloseHandle(afd);
    return nullptr;
  }
  ec.clear();
  return afd;
}

std::error_code afd_poll(HANDLE afd, AfdPollInfo& info, nt::IoStatusBlock& iosb) noexcept {
  iosb.status = nt::kStatusPending;
  // The APC context is what the completion packet carries as lpOverlapped.
  nt::NtStatus status = nt::NtDeviceIoControlFile(afd, nullptr, nullptr, &iosb, &iosb,
                                                  kIoctlAfdPoll, &info, sizeof info, &info,
                                                  sizeof info);
  // Success and pending both end in a completion packet (we never asked to skip it).
  if (status == nt::kStatusSuccess || status == nt::kStatusPending) return {};
  return nt_error(status);
}

std::error_code afd_cancel(HANDLE afd, nt::IoStatusBlock& iosb) noexcept {
  // Already finished: its packet is in the port or on its way; nothing to cancel.
  if (iosb.status != nt::kStatusPending) return {};
  nt::IoStatusBlock cancel_iosb{};
  nt::NtStatus status = nt::NtCancelIoFileEx(afd, &iosb, &cancel_iosb);
  // STATUS_NOT_FOUND: the poll completed between the check above and the cancel.
  if (status == nt::kStatusSuccess || status == nt::kStatusNotFound) return {};
  return nt_error(status);
}

}  // namespace pollux::sys
