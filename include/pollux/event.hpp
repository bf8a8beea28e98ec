// SPDX-License-Identifier: MIT
#pragma once
// Event and Events: what one poll reports.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <system_error>
#include <utility>

#include <pollux/config.hpp>
#include <pollux/detail/event_flags.hpp>
#include <pollux/sys/event.hpp>  // the backend's record: sys::NativeEvent and its decoding
#include <pollux/token.hpp>

namespace pollux::inline POLLUX_ABI() {

namespace sys {
struct EventsAccess;
}

/// One readiness event. An Event holds the backend's own record (on epoll, the kernel's
/// epoll_event, so that a poll copies nothing) and decodes it in its accessors, which
/// mean the same thing on every OS.
///
/// Portability: events may be spurious, and several may be merged into one; readiness
/// persists until an operation on the source returns std::errc::operation_would_block.
class Event {
 public:
  /// The bits of flags(); each is<Kind>() tests one of them.
  enum Flag : std::uint32_t {
    ///@{
    /// One readiness kind, as is_readable() ... is_priority() report it.
    kReadable = detail::kEventReadable,
    kWritable = detail::kEventWritable,
    kError = detail::kEventError,
    kReadClosed = detail::kEventReadClosed,
    kWriteClosed = detail::kEventWriteClosed,
    kPriority = detail::kEventPriority,
    ///@}
    /// A completion (Windows: an operation on a win::Binding finished, or a packet was
    /// posted), not a readiness change: see completion_data() and the win:: helpers.
    kCompletion = detail::kEventCompletion,
  };

  constexpr Event() noexcept = default;
  /// Backends (and tests of code built on pollux) make events from a token and Flag bits:
  /// flags() gives back exactly those bits.
  constexpr Event(Token token, std::uint32_t flags) noexcept : native_(sys::event_make(token, flags)) {}
  /// An event as the backend records it.
  constexpr explicit Event(const sys::NativeEvent& native) noexcept : native_(native) {}

  /// The token the source was registered with (or the Waker's).
  constexpr Token token() const noexcept { return sys::event_token(native_); }
  /// All the Flag bits of this event at once.
  constexpr std::uint32_t flags() const noexcept { return sys::event_flags(native_); }
  ///@{
  /// A readiness kind, with the portability rules of the class comment.
  constexpr bool is_readable() const noexcept { return (flags() & kReadable) != 0; }
  constexpr bool is_writable() const noexcept { return (flags() & kWritable) != 0; }
  ///@}
  /// An error is pending on the source (reading or writing it reports the error).
  constexpr bool is_error() const noexcept { return (flags() & kError) != 0; }
  /// The peer will send no more: EOF is readable now (peer shutdown, close or reset).
  constexpr bool is_read_closed() const noexcept { return (flags() & kReadClosed) != 0; }
  /// Writes can no longer succeed (the peer is gone, or our side was shut down).
  constexpr bool is_write_closed() const noexcept { return (flags() & kWriteClosed) != 0; }
  /// Out-of-band or urgent data is readable (Interest::priority).
  constexpr bool is_priority() const noexcept { return (flags() & kPriority) != 0; }

  /// Completions exist only where the OS reports them (Windows); elsewhere these are
  /// false and zero.
  constexpr bool is_completion() const noexcept { return (flags() & kCompletion) != 0; }
  /// The completion's data: a win::Overlapped's address, or what win::Poster posted.
  constexpr std::uintptr_t completion_data() const noexcept { return sys::event_completion_data(native_); }
  /// The bytes the completed operation moved.
  constexpr std::uint32_t bytes_transferred() const noexcept { return sys::event_bytes(native_); }
  /// The OS's own status for a completion (a Win32 error code; 0 is success).
  constexpr std::uint32_t os_status() const noexcept { return sys::event_os_status(native_); }

  /// The backend's record (not a stable API: its type depends on the header set).
  constexpr const sys::NativeEvent& native() const noexcept { return native_; }

 private:
  sys::NativeEvent native_{};
};

// The kernel may write its records straight into an Events' storage (epoll does).
static_assert(sizeof(Event) == sizeof(sys::NativeEvent));

/// A fixed-capacity buffer of events, filled by Poll::poll and reused across polls.
/// When more sources are ready than fit, the rest are reported by the next poll.
///
/// Capacity: at most kMaxCapacity (65,536) events. A poll's cost does not depend on the
/// capacity, and a batch of tens of thousands already spreads the system call over so
/// many events that a larger one gains nothing; what it would cost is memory, reserved
/// and written at construction (32 bytes an event on poll(2) and IOCP, 12 on epoll: 2 MB
/// at the ceiling). The kernel's own limits are far above it (epoll_wait takes an int, and
/// refuses more than INT_MAX / 12 events).
class POLLUX_API Events {
 public:
  /// The most events one Events holds, on every backend.
  static constexpr std::size_t kMaxCapacity = std::size_t{1} << 16;

  /// A capacity of zero is allowed here and refused by Poll::poll
  /// (std::errc::invalid_argument), which is where it would do harm. A capacity above
  /// kMaxCapacity is reduced to it (use with_capacity to have it refused instead).
  /// Throws std::bad_alloc when the memory cannot be had, as containers do.
  explicit Events(std::size_t capacity);
  /// The same, with errors as codes: zero, std::errc::invalid_argument; above
  /// kMaxCapacity, std::errc::value_too_large; no memory,
  /// std::errc::not_enough_memory. On error the result has capacity zero.
  static Events with_capacity(std::size_t capacity, std::error_code& ec) noexcept;
  ///@{
  /// Movable, not copyable: the storage moves with it. A moved-from Events is empty with
  /// capacity zero, which Poll::poll refuses (std::errc::invalid_argument).
  Events(Events&& other) noexcept
      : events_(std::move(other.events_)),
        capacity_(std::exchange(other.capacity_, 0)),
        size_(std::exchange(other.size_, 0)) {}
  Events& operator=(Events&& other) noexcept {
    events_ = std::move(other.events_);
    capacity_ = std::exchange(other.capacity_, 0);
    size_ = std::exchange(other.size_, 0);
    return *this;
  }
  ///@}

  /// The most events one poll stores here.
  std::size_t capacity() const noexcept { return capacity_; }
  /// The events the last poll stored.
  std::size_t size() const noexcept { return size_; }
  /// Whether the last poll stored none (a timeout, or a wake with nothing else).
  bool empty() const noexcept { return size_ == 0; }
  /// Forgets the stored events; the capacity stays.
  void clear() noexcept { size_ = 0; }

  ///@{
  /// The stored events, in the order the OS reported them.
  const Event* begin() const noexcept { return events_.get(); }
  const Event* end() const noexcept { return events_.get() + size_; }
  ///@}
  /// The i-th stored event; `i` must be below size().
  const Event& operator[](std::size_t i) const noexcept { return events_[i]; }

 private:
  friend struct sys::EventsAccess;
  std::unique_ptr<Event[]> events_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
};

namespace sys {
/// How a backend fills an Events: its storage, capacity and the number it holds.
struct EventsAccess {
  static Event* data(Events& events) noexcept { return events.events_.get(); }
  /// The same storage as the backend's records (an Event is its record and nothing else).
  static NativeEvent* records(Events& events) noexcept {
    return reinterpret_cast<NativeEvent*>(events.events_.get());
  }
  static std::size_t capacity(const Events& events) noexcept { return events.capacity_; }
  static void set_size(Events& events, std::size_t size) noexcept { events.size_ = size; }
};
}  // namespace sys

}  // namespace pollux
