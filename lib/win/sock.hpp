// SPDX-License-Identifier: MIT
#pragma once
// Per-socket registration state of the Windows backend (lib/sys.hpp's SourceRecord).
//
// A socket is in one of three poll states:
//   idle       no AFD poll in flight
//   pending    an IOCTL_AFD_POLL is in flight for `pending_events`
//   cancelled  that poll was asked to stop (its completion has not arrived yet)
// A pending poll can neither be changed nor be stopped synchronously, so changes of
// interest are queued and applied by the Selector (see selector.hpp), and the memory of
// a socket with a poll in flight is freed only after its completion has been dequeued.
//
// Edge emulation (as mio does it): the AFD bits that were reported leave `user_events`
// and are not polled for again until a pollux operation on the socket meets would-block
// (IoSource::would_block), or the registration is modified. I/O done on the raw socket
// behind pollux's back therefore never re-arms it.

#include <cstdint>
#include <memory>
#include <system_error>

#include <pollux/interest.hpp>
#include <pollux/token.hpp>

#include "afd.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

class Selector;
struct SourceRecord;

// The completion packet of a poll carries the address of `iosb`; being the first member
// of a standard-layout struct, that is also the address of the AfdPoll itself.
struct AfdPoll {
  nt::IoStatusBlock iosb{};
  AfdPollInfo info{};
  SourceRecord* owner = nullptr;
};
static_assert(std::is_standard_layout_v<AfdPoll>);

struct SourceRecord {
  enum class PollStatus { idle, pending, cancelled };

  // Set before the state is published, then constant.
  std::weak_ptr<Selector> selector;
  SOCKET socket = INVALID_SOCKET;  // the user's, as registered
  SOCKET base = INVALID_SOCKET;    // the one AFD polls
  PollGroup* group = nullptr;

  // Everything below is guarded by the selector's mutex.
  Token token;
  Interest interest;
  ULONG user_events = 0;     // AFD bits armed (edge emulation clears reported ones)
  ULONG pending_events = 0;  // AFD bits of the poll in flight
  PollStatus status = PollStatus::idle;
  bool removed = false;  // deregistered; freed once no poll is in flight
  bool closed = false;   // the socket was closed under us; never polled again
  bool queued = false;   // in the selector's update queue
  AfdPoll poll;

  /// Starts, keeps or cancels the AFD poll so that it covers `user_events`.
  std::error_code update() noexcept;
  /// Takes in this socket's completion; returns the Event flags to report (0: none).
  std::uint32_t feed() noexcept;
};

/// AFD bits to poll for an Interest.
ULONG afd_events(Interest interest) noexcept;
/// Event flags for reported AFD bits.
std::uint32_t event_flags(ULONG afd_events) noexcept;

/// The base service provider's socket under any layered providers (LSPs): the one AFD
/// knows. A closed or foreign handle: std::errc::bad_file_descriptor / not_a_socket.
SOCKET base_socket(SOCKET socket, std::error_code& ec) noexcept;

}  // namespace pollux::sys
