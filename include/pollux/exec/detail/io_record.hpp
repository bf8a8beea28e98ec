// SPDX-License-Identifier: MIT
#pragma once
// The head of the driver's record of one registered source (lib/exec/scheduled_io.hpp
// builds the rest on it): the readiness word and the bits stored in it. It is here, in a
// public header, so that an I/O type's check "is it ready now?" (try_io, the first look
// of every readiness await) is one inline load instead of a call into the library.

#include <atomic>
#include <cstdint>
#include <system_error>

#include <pollux/interest.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

// Readiness bits, as the driver stores them.
namespace ready {
inline constexpr std::uint32_t kReadable = 1u << 0;
inline constexpr std::uint32_t kWritable = 1u << 1;
inline constexpr std::uint32_t kReadClosed = 1u << 2;
inline constexpr std::uint32_t kWriteClosed = 1u << 3;
inline constexpr std::uint32_t kError = 1u << 4;
inline constexpr std::uint32_t kPriority = 1u << 5;
// The source was deregistered, or its driver is gone: waiting would never end.
inline constexpr std::uint32_t kShutdown = 1u << 6;

// What each direction of interest is satisfied by. An error or a closed direction
// counts as ready: the operation then reports it rather than blocking.
inline constexpr std::uint32_t kForRead = kReadable | kReadClosed | kError | kShutdown;
inline constexpr std::uint32_t kForWrite = kWritable | kWriteClosed | kError | kShutdown;

// The bits an Interest waits for; an error or a closed direction counts, and so does
// the end of the registration (kShutdown).
constexpr std::uint32_t wanted(Interest interest) noexcept {
  std::uint32_t bits = 0;
  if (interest.is_readable()) bits |= kForRead;
  if (interest.is_writable()) bits |= kForWrite;
  if (interest.is_priority()) bits |= kPriority | kError | kShutdown;
  return bits;
}
}  // namespace ready

// What a waiter saw: the bits that met its interest, and the tick they were set at.
struct ReadyEvent {
  std::uint32_t ready = 0;
  std::uint32_t tick = 0;
};

class IoRecordHead {
 public:
  // The readiness that meets `interest` now (ready == 0: none).
  ReadyEvent ready_event(std::uint32_t interest) const noexcept {
    const std::uint64_t cur = readiness_.load(std::memory_order_acquire);
    return ReadyEvent{static_cast<std::uint32_t>(cur) & interest,
                      static_cast<std::uint32_t>(cur >> kTickShift)};
  }

 protected:
  static constexpr int kTickShift = 32;
  // Low half: ready bits (and ScheduledIo's own flag); high half: the driver tick of
  // the last readiness set.
  std::atomic<std::uint64_t> readiness_{0};
};

}  // namespace pollux::exec::detail
