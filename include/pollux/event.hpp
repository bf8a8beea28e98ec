#pragma once
// Event and Events: what one poll reports.

#include <cstddef>
#include <cstdint>
#include <memory>

#include <pollux/config.hpp>
#include <pollux/token.hpp>

namespace pollux {

namespace sys {
struct EventsAccess;
}

/// One readiness event. Backends translate their kernel's report into these flags once, at
/// poll time, so an Event means the same thing on every OS.
///
/// Portability: events may be spurious, and several may be merged into one; readiness
/// persists until an operation on the source returns std::errc::operation_would_block.
class Event {
 public:
  enum Flag : std::uint32_t {
    kReadable = 1u << 0,
    kWritable = 1u << 1,
    kError = 1u << 2,
    kReadClosed = 1u << 3,
    kWriteClosed = 1u << 4,
    kPriority = 1u << 5,
    /// A completion (Windows: an operation on a win::Binding finished, or a packet was
    /// posted), not a readiness change: see completion_data() and the win:: helpers.
    kCompletion = 1u << 6,
  };

  constexpr Event() noexcept = default;
  /// Backends (and tests of code built on pollux) make events from a token and Flag bits.
  constexpr Event(Token token, std::uint32_t flags) noexcept : token_(token), flags_(flags) {}
  /// A completion event: `data` names what completed (the win::Overlapped's address, or
  /// the value of a posted packet), with the bytes moved and the OS's status code.
  constexpr Event(Token token,
                  std::uint32_t flags,
                  std::uintptr_t data,
                  std::uint32_t bytes,
                  std::uint32_t status) noexcept
      : token_(token), flags_(flags), bytes_(bytes), status_(status), data_(data) {}

  constexpr Token token() const noexcept { return token_; }
  constexpr bool is_readable() const noexcept { return (flags_ & kReadable) != 0; }
  constexpr bool is_writable() const noexcept { return (flags_ & kWritable) != 0; }
  constexpr bool is_error() const noexcept { return (flags_ & kError) != 0; }
  /// The peer will send no more: EOF is readable now (peer shutdown, close or reset).
  constexpr bool is_read_closed() const noexcept { return (flags_ & kReadClosed) != 0; }
  /// Writes can no longer succeed (the peer is gone, or our side was shut down).
  constexpr bool is_write_closed() const noexcept { return (flags_ & kWriteClosed) != 0; }
  constexpr bool is_priority() const noexcept { return (flags_ & kPriority) != 0; }
  constexpr std::uint32_t flags() const noexcept { return flags_; }

  constexpr bool is_completion() const noexcept { return (flags_ & kCompletion) != 0; }
  constexpr std::uintptr_t completion_data() const noexcept { return data_; }
  constexpr std::uint32_t bytes_transferred() const noexcept { return bytes_; }
  /// The OS's own status for a completion (a Win32 error code; 0 is success).
  constexpr std::uint32_t os_status() const noexcept { return status_; }

 private:
  Token token_{};
  std::uint32_t flags_ = 0;
  std::uint32_t bytes_ = 0;
  std::uint32_t status_ = 0;
  std::uintptr_t data_ = 0;
};

/// A fixed-capacity buffer of events, filled by Poll::poll and reused across polls.
/// When more sources are ready than fit, the rest are reported by the next poll.
class POLLUX_API Events {
 public:
  /// The most events one poll can report (what every OS's wait call takes, an int).
  static constexpr std::size_t kMaxCapacity = 0x7fffffff;

  /// A capacity of zero is allowed here and refused by Poll::poll
  /// (std::errc::invalid_argument), which is where it would do harm. A capacity above
  /// kMaxCapacity is reduced to it.
  explicit Events(std::size_t capacity);
  Events(Events&&) noexcept = default;
  Events& operator=(Events&&) noexcept = default;

  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  void clear() noexcept { size_ = 0; }

  const Event* begin() const noexcept { return events_.get(); }
  const Event* end() const noexcept { return events_.get() + size_; }
  const Event& operator[](std::size_t i) const noexcept { return events_[i]; }

 private:
  friend class Poll;
  friend struct sys::EventsAccess;
  std::unique_ptr<Event[]> events_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
};

}  // namespace pollux
