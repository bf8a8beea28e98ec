// SPDX-License-Identifier: MIT
#pragma once
// Source: anything a Registry can watch.

#include <concepts>
#include <system_error>

#include <pollux/interest.hpp>
#include <pollux/token.hpp>

namespace pollux::inline POLLUX_ABI() {

class Registry;

/// A Source knows how to add itself to, modify itself in and remove itself from a
/// Registry. pollux's sockets, pipes, unix::SourceFd, Process and win::NamedPipe are
/// Sources; so is any user type that forwards these three calls to one of them.
///
/// Rules that hold for every source:
/// - Remove a source before closing its handle. On Linux a closed fd leaves epoll by
///   itself, but not while a dup of it lives, and the poll(2) and Windows backends keep
///   state for it; pollux's own types remove themselves when destroyed.
/// - One Poll at a time: adding a source that another Poll holds is
///   std::errc::file_exists until it is removed there (or that Poll is gone).
///   unix::SourceFd keeps no state, so one fd may be watched from several Polls.
/// - Drain: after an event, perform the operation until it reports
///   std::errc::operation_would_block (pollux::is_would_block tests it cheaply). Only
///   then is a new event promised.
template <class S>
concept Source = requires(S& source, const Registry& registry, Token token, Interest interest) {
  { source.add_to(registry, token, interest) } -> std::same_as<std::error_code>;
  { source.modify_in(registry, token, interest) } -> std::same_as<std::error_code>;
  { source.remove_from(registry) } -> std::same_as<std::error_code>;
};

}  // namespace pollux
