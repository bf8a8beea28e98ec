// SPDX-License-Identifier: MIT
#pragma once
// win::NamedPipeListener: the server side of named-pipe IPC, like a TCP listener.

#include <cstddef>
#include <memory>
#include <string_view>
#include <system_error>

#include <pollux/config.hpp>
#include <pollux/interest.hpp>
#include <pollux/token.hpp>
#include <pollux/win/named_pipe.hpp>

namespace pollux::inline POLLUX_ABI() {
class Registry;
}

namespace pollux::inline POLLUX_ABI()::win {

/// Keeps `backlog` server instances of one pipe name waiting for clients, so that a client
/// never finds the name busy or missing between two accepts: an instance that a client
/// takes is replaced at once (inside poll), before accept() is even called.
///
/// Add it under a Token (readable is the interest that matters); a readable event says
/// clients wait: accept() until it answers would-block. An accepted NamedPipe is
/// connected and is bound to the listener's Poll already: add it to that same Registry
/// under its own token (another Poll: std::errc::file_exists), then read and write.
///
/// Threads: as NamedPipe. Destroying or removing the listener cancels the waiting
/// instances and closes them, and closes accepted pipes that were not taken yet.
class POLLUX_API NamedPipeListener {
 public:
  NamedPipeListener() noexcept;
  ///@{
  /// Movable, not copyable: the handle moves with it.
  NamedPipeListener(NamedPipeListener&&) noexcept;
  NamedPipeListener& operator=(NamedPipeListener&&) noexcept;
  ///@}
  ~NamedPipeListener();

  /// Checks the name and options by creating the first instance now; the others are
  /// created when the listener is added. With options.first_instance (the default), the
  /// first instance claims the name: another process's pipe of that name makes this fail
  /// with std::errc::permission_denied instead of being joined; the listener's later
  /// instances join its own pipe. options.security_descriptor applies to every instance.
  /// A backlog of 0 is taken as 1; more than max_instances: std::errc::invalid_argument.
  static NamedPipeListener create(std::string_view name,
                                  const NamedPipeOptions& options,
                                  std::size_t backlog,
                                  std::error_code& ec);

  ///@{
  /// The Source hooks behind Registry::add, modify and remove: call those.
  [[nodiscard]] std::error_code add_to(const Registry& registry, Token token, Interest interest);
  [[nodiscard]] std::error_code modify_in(const Registry& registry, Token token, Interest interest);
  [[nodiscard]] std::error_code remove_from(const Registry& registry);
  ///@}

  /// A connected server pipe, or std::errc::operation_would_block when no client waits.
  /// An instance that could not be replaced (the OS refused a new one) is reported here,
  /// once, and tried again at the next accept.
  NamedPipe accept(std::error_code& ec);

  /// Instances waiting for a client right now (for tests and metrics).
  std::size_t waiting() const noexcept;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace pollux::win
