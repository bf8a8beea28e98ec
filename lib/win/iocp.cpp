// SPDX-License-Identifier: MIT
// The completion port.

#include "iocp.hpp"

#include "error.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

Port::~Port() {
  if (handle_ != nullptr) CloseHandle(handle_);
}

std::error_code Port::create(Port& port) noexcept {
  HANDLE h = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 0);
  if (h == nullptr) return win_error();
  port.handle_ = h;
  return {};
}

std::error_code Port::associate(HANDLE handle, ULONG_PTR key) noexcept {
  if (CreateIoCompletionPort(handle, handle_, key, 0) == nullptr) return win_error();
  return {};
}

std::error_code Port::post(ULONG_PTR key, void* overlapped, DWORD bytes) noexcept {
  if (!PostQueuedCompletionStatus(handle_, bytes, key, static_cast<OVERLAPPED*>(overlapped))) {
    return win_error();
  }
  return {};
}

std::size_t Port::wait(OVERLAPPED_ENTRY* entries, std::size_t capacity, DWORD ms,
                       std::error_code& ec) noexcept {
  ULONG count = 0;
  ULONG max = capacity > 0x10000 ? 0x10000 : static_cast<ULONG>(capacity);
  // Wine 8 writes 1 into `count` when the wait times out, so the count is read only when
  // the call succeeds.
  if (GetQueuedCompletionStatusEx(handle_, entries, max, &count, ms, FALSE)) {
    ec.clear();
    return count;
  }
  DWORD error = GetLastError();
  if (error == WAIT_TIMEOUT) {
    ec.clear();
  } else {
    ec = win_error(error);
  }
  return 0;
}

DWORD timeout_ms(std::optional<std::chrono::nanoseconds> timeout) noexcept {
  if (!timeout) return INFINITE;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(*timeout).count();
  if (ms <= 0) return 0;
  // INFINITE is 0xFFFFFFFF; anything at or above it is capped just under.
  if (ms >= static_cast<long long>(INFINITE)) return INFINITE - 1;
  return static_cast<DWORD>(ms);
}

}  // namespace pollux::sys
