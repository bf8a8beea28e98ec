// SPDX-License-Identifier: MIT
#pragma once
// win::Overlapped: the OVERLAPPED of one operation on a handle bound with win::Binding.

#include <cstdint>
#include <system_error>

#include <pollux/config.hpp>
#include <pollux/event.hpp>

// The SDK's tag for OVERLAPPED (minwinbase.h), named so that callers can hand native() to
// ReadFile & co. without a cast, and this header needs no <windows.h>.
struct _OVERLAPPED;

namespace pollux::inline POLLUX_ABI()::sys {
struct OverlappedAccess;
}

namespace pollux::inline POLLUX_ABI()::win {

namespace detail {
/// OVERLAPPED, byte for byte (lib/win/overlapped.cpp checks size, alignment and offsets
/// against the SDK's): Internal (the NTSTATUS), InternalHigh (bytes moved), the file
/// offset, and hEvent.
struct RawOverlapped {
  std::uintptr_t internal = 0;
  std::uintptr_t internal_high = 0;
  std::uint32_t offset = 0;
  std::uint32_t offset_high = 0;
  void* event = nullptr;
};
}  // namespace detail

/// The OVERLAPPED for one operation at a time on a handle bound with win::Binding, started
/// through Binding::submit. Its completion comes back from Poll::poll in the same Events
/// batch as socket readiness: as an Event with the Binding's token whose
/// overlapped_of(event) is this object, or, when it has a Handler, through that Handler,
/// run inside poll (this is how win::NamedPipe turns completions into readiness).
///
/// Lifetime rule: from submit until the operation is over, the kernel may write into
/// this object (and into the operation's buffers); do not move, reuse or free them.
/// The operation is over when its completion has been delivered (the Event was returned
/// by poll, or the Handler ran), when submit did not answer Submitted::pending, or when
/// the Binding's remove/destructor has returned: that cancels every pending operation and
/// waits until the kernel has let go of each, and no completion of them is delivered
/// afterwards. Binding::cancel only requests cancellation: the operation is over when its
/// completion (usually std::errc::operation_canceled) is delivered.
class Overlapped {
 public:
  /// Runs inside Poll::poll when an operation completes: `status` is the Win32 error code
  /// (0 is success). The result is Event::Flag bits to report under the Binding's token,
  /// or 0 to report nothing. It runs on the polling thread outside the Poll's own locks:
  /// it may add, modify and remove the Poll's other sources and submit on any Binding,
  /// its own included. It must not modify or remove its own Binding (those wait for the
  /// Handler to return), and should not block: a remove of its Binding from another
  /// thread waits for it.
  using Handler = std::uint32_t (*)(Overlapped& overlapped,
                                    std::uint32_t bytes,
                                    std::uint32_t status,
                                    void* context) noexcept;

  Overlapped() noexcept = default;
  /// An Overlapped whose completions run `handler(*this, bytes, status, context)` inside
  /// Poll::poll instead of reaching the Events (without one, each completion is an Event).
  Overlapped(Handler handler, void* context) noexcept : handler_(handler), context_(context) {}
  // The kernel holds this object's address while an operation is pending.
  Overlapped(const Overlapped&) = delete;
  Overlapped& operator=(const Overlapped&) = delete;

  /// The file offset of the next operation (for files; ignored by pipes and sockets).
  void set_offset(std::uint64_t offset) noexcept {
    raw_.offset = static_cast<std::uint32_t>(offset);
    raw_.offset_high = static_cast<std::uint32_t>(offset >> 32);
  }
  /// The offset set_offset stored.
  std::uint64_t offset() const noexcept {
    return (std::uint64_t{raw_.offset_high} << 32) | raw_.offset;
  }

  /// What to pass as the LPOVERLAPPED of ReadFile, WriteFile, DeviceIoControl,
  /// ReadDirectoryChangesW, ConnectNamedPipe, WSARecv... Binding::submit fills in its
  /// hEvent (remove waits on it): do not change it.
  _OVERLAPPED* native() noexcept { return reinterpret_cast<_OVERLAPPED*>(&raw_); }

  /// Bytes moved by the last operation, once it is over.
  std::uint32_t bytes() const noexcept { return static_cast<std::uint32_t>(raw_.internal_high); }

 private:
  friend struct sys::OverlappedAccess;

  detail::RawOverlapped raw_{};
  Handler handler_ = nullptr;
  void* context_ = nullptr;
  // The Binding's state while an operation is pending (null otherwise), guarded by that
  // Binding.
  void* owner_ = nullptr;
};

/// The Overlapped that an event from Poll::poll reports as completed, or null when the
/// event is not a completion. Only for tokens of a win::Binding: a win::Poster's events
/// carry the posted value in completion_data() instead, and a win::JobObject's the
/// process id.
inline Overlapped* overlapped_of(const Event& event) noexcept {
  if (!event.is_completion()) return nullptr;
  // Safety: a Binding's completion events carry the address of the pending Overlapped.
  return reinterpret_cast<Overlapped*>(event.completion_data());
}

/// A Win32 error code as std::error_code; it compares equal to the std::errc it means
/// (ERROR_OPERATION_ABORTED == std::errc::operation_canceled, and so on). 0 is success.
POLLUX_API std::error_code status_code(std::uint32_t win32_error) noexcept;

/// The status of a completion event as an error code (empty on success).
inline std::error_code status_of(const Event& event) noexcept {
  return status_code(event.os_status());
}

}  // namespace pollux::win
