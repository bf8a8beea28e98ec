// SPDX-License-Identifier: MIT
#pragma once
// Poll and Registry: the event loop's selector, and the handle that changes what it watches.

#include <chrono>
#include <memory>
#include <optional>
#include <system_error>

#include <pollux/config.hpp>
#include <pollux/event.hpp>
#include <pollux/interest.hpp>
#include <pollux/source.hpp>
#include <pollux/sys/selector.hpp>  // the backend's half: Selector, poll_select, source_*
#include <pollux/token.hpp>

namespace pollux::inline POLLUX_ABI() {

/// Adds, modifies and removes sources. Usable from any thread, also while another thread
/// is blocked in Poll::poll: a change made then takes effect in that very poll.
///
/// Errors (every build type):
/// - adding a source that is already added, to this Poll or to another that still
///   exists: std::errc::file_exists (a source is in one Poll at a time; unix::SourceFd,
///   which keeps no state, may watch one fd from several)
/// - modifying or removing one that was never added: std::errc::no_such_file_or_directory
/// - an empty Interest: std::errc::invalid_argument
/// - an invalid or closed handle: std::errc::bad_file_descriptor
/// - a Registry whose Poll failed to open (or was moved from): std::errc::bad_file_descriptor
///
/// After remove() returns, polls that start later never report the source's token, and
/// the source holds nothing of the Poll: dropping the Poll then closes its OS selector.
class POLLUX_API Registry {
 public:
  Registry() noexcept = default;

  template <Source S>
  /// Registers `source` under `token` for `interest`; the errors are listed above.
  [[nodiscard]] std::error_code add(S& source, Token token, Interest interest) const {
    if (auto ec = check(interest)) [[unlikely]] return ec;
    return source.add_to(*this, token, interest);
  }
  template <Source S>
  /// Replaces the token and interest of a source added here. On poll(2) and IOCP it also
  /// re-arms the emulated edge (README, "Notes per backend").
  [[nodiscard]] std::error_code modify(S& source, Token token, Interest interest) const {
    if (auto ec = check(interest)) [[unlikely]] return ec;
    return source.modify_in(*this, token, interest);
  }
  template <Source S>
  /// Deregisters `source`: its token is not reported by any poll that starts later.
  [[nodiscard]] std::error_code remove(S& source) const {
    if (!selector_) [[unlikely]] return std::make_error_code(std::errc::bad_file_descriptor);
    return source.remove_from(*this);
  }

  /// Another handle to the same selector, for another thread.
  Registry try_clone(std::error_code& ec) const;

  /// For sources implemented inside pollux: the backend selector behind this registry.
  const std::shared_ptr<sys::Selector>& sys_selector() const noexcept { return selector_; }

 private:
  friend class Poll;
  explicit Registry(std::shared_ptr<sys::Selector> selector) noexcept
      : selector_(std::move(selector)) {}
  // Inline: it is on the path of every add and modify.
  std::error_code check(Interest interest) const noexcept {
    if (!selector_) [[unlikely]] return std::make_error_code(std::errc::bad_file_descriptor);
    if (interest.is_empty()) [[unlikely]] return std::make_error_code(std::errc::invalid_argument);
    return {};
  }

  std::shared_ptr<sys::Selector> selector_;
};

/// Owns the OS selector (epoll, poll(2) or an I/O completion port).
///
/// Portability: readiness is edge-triggered on every backend. After an event, drain the
/// source until it reports std::errc::operation_would_block; events may be spurious.
class POLLUX_API Poll {
 public:
  /// An empty Poll: every call on it answers std::errc::bad_file_descriptor.
  Poll() noexcept = default;
  /// Opens the OS selector; on failure ec is set and the result is empty.
  static Poll create(std::error_code& ec);

  ///@{
  /// Movable: the selector and its registrations move; the moved-from Poll is empty.
  Poll(Poll&&) noexcept = default;
  Poll& operator=(Poll&&) noexcept = default;
  ///@}
  /// Closes the OS selector once no Registry clone holds it.
  ~Poll();

  /// Waits for events and stores them in `events`, replacing what it held.
  /// A timeout of nullopt blocks until an event or a Waker; zero does not block; timeouts
  /// under a millisecond are honoured (rounded up, never down, where the OS is coarser).
  /// A negative timeout, or Events of zero capacity: std::errc::invalid_argument.
  /// Interruption by a signal is retried with the time that remains, never reported.
  [[nodiscard]] std::error_code poll(Events& events,
                                     std::optional<std::chrono::nanoseconds> timeout) noexcept {
    // Inline: on epoll this is the wait itself (pollux/sys/selector.hpp).
    return sys::poll_select(registry_.selector_.get(), events, timeout);
  }

  /// Adds, modifies and removes this Poll's sources; try_clone() it for another thread.
  const Registry& registry() const noexcept { return registry_; }
  /// False for an empty Poll (default-made, moved from, or failed to open).
  bool is_open() const noexcept { return registry_.selector_ != nullptr; }

  /// The OS object this Poll waits on, so that another event loop (GLib, Qt, libuv, a
  /// raw epoll set or completion port) can wait for it and call poll() when it signals:
  /// - epoll: the epoll fd, readable while the Poll has events;
  /// - IOCP: the completion port HANDLE (cast it with reinterpret_cast<HANDLE>), which
  ///   is signalled while it holds packets. Never dequeue from it yourself; and since
  ///   socket registrations are applied by poll(), call poll() (a zero timeout will do)
  ///   before each wait of the outer loop;
  /// - poll(2): none (std::errc::operation_not_supported): the set lives in this process.
  /// Events are hints there as everywhere: the handle may signal when poll() then
  /// reports nothing. An empty Poll: std::errc::bad_file_descriptor. The handle stays
  /// the Poll's: do not close it.
  NativeHandle native_handle(std::error_code& ec) const noexcept;

 private:
  Registry registry_;
};

}  // namespace pollux
