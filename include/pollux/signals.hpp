// SPDX-License-Identifier: MIT
#pragma once
// Signals: a set of Unix signals, or Windows console control events, as a readable Source.

#include <initializer_list>
#include <memory>
#include <span>
#include <system_error>

#include <pollux/config.hpp>
#include <pollux/interest.hpp>
#include <pollux/token.hpp>

namespace pollux::inline POLLUX_ABI() {

class Registry;
namespace sys {
struct SignalsState;
}

/// A set of signals as a Source: register it with Interest::readable, and after a readable
/// event call read() until it reports std::errc::operation_would_block; each call gives one
/// arrival. Different signals are never merged: each has its own count, so a SIGINT and a
/// SIGTERM are two reads. Arrivals of one signal that the OS merges before it runs the
/// handler (a standard signal pending twice) are one. A signal that arrives before the
/// Signals is registered is still reported. Several Signals objects may watch the same
/// signal, from one Poll or several: each sees every arrival.
///
/// Unix: the numbers are signal numbers (SIGINT, SIGTERM, SIGHUP, SIGUSR1, real-time
/// signals, ...). pollux installs an async-signal-safe handler (sigaction, SA_RESTART) that
/// records the arrival and writes a byte to each watching Signals object's own
/// close-on-exec pipe, whose read end is what the Poll watches (epoll and poll(2) alike);
/// it then calls the handler that was installed before it, if that was a function, so a
/// program's (or another library's) SIGCHLD or SIGTERM handler keeps working. It does not
/// use signalfd: signalfd only sees a signal that is blocked in every thread of the
/// process, which a library cannot guarantee (threads it does not own, or created before
/// it, would still run the default action, e.g. die of SIGTERM). Once the last Signals
/// watching a signal is destroyed, the previous disposition is restored (unless another
/// handler has been installed over pollux's since, which then keeps pollux's, idle).
/// Refused with std::errc::invalid_argument: an empty set, a number outside 1..NSIG-1,
/// SIGKILL and SIGSTOP (which cannot be caught), and SIGSEGV, SIGBUS, SIGILL and SIGFPE
/// (raised by a faulting instruction, which would run again when the handler returns).
/// Note that a handler replaces SIGCHLD's SIG_IGN, which made the kernel reap children.
///
/// Windows: the numbers are console control events, win::kCtrlC and its neighbours
/// below, caught with SetConsoleCtrlHandler; the handler (which Windows runs on a thread
/// of its own) posts to the Poll's completion port. An event that a live Signals watches
/// is handled (no other handler, nor the default ExitProcess, sees it); one that none
/// watches goes on to the next handler, as if pollux's were not there. For kCtrlClose,
/// kCtrlLogoff and kCtrlShutdown Windows ends the process as soon as a handler returns,
/// so pollux's handler returns only once every Signals that was given the event has
/// been destroyed: clean up, then drop it (or exit); Windows' own timeout still applies.
/// Other numbers are refused with std::errc::invalid_argument.
///
/// Thread-safety: as a socket (one thread at a time uses a given Signals). Creating and
/// destroying Signals objects is safe from any thread.
class POLLUX_API Signals {
 public:
  /// An empty Signals: every call on it answers std::errc::bad_file_descriptor.
  Signals() noexcept = default;

  ///@{
  /// Starts watching `signals` (duplicates are fine). On error the result is empty and
  /// nothing was changed.
  static Signals create(std::span<const int> signals, std::error_code& ec);
  static Signals create(std::initializer_list<int> signals, std::error_code& ec) {
    return create(std::span<const int>(signals.begin(), signals.size()), ec);
  }
  ///@}

  /// The interrupt a terminal sends for Ctrl-C: SIGINT on Unix, win::kCtrlC on Windows.
  static int ctrl_c() noexcept;

  ///@{
  /// Movable, not copyable: what it watches moves with it.
  Signals(Signals&&) noexcept = default;
  Signals& operator=(Signals&&) noexcept = default;
  ///@}
  /// Removes any registration; see the class comment for what is restored.
  ~Signals();

  /// False for an empty Signals (default-made, moved from, or failed to create).
  bool is_open() const noexcept { return state_ != nullptr; }

  /// The next signal that arrived, one arrival a call (lowest number first);
  /// std::errc::operation_would_block when none is left, after which a new arrival
  /// brings a new readable event.
  int read(std::error_code& ec);

  ///@{
  /// The Source hooks behind Registry::add, modify and remove: call those.
  std::error_code add_to(const Registry& registry, Token token, Interest interest);
  std::error_code modify_in(const Registry& registry, Token token, Interest interest);
  std::error_code remove_from(const Registry& registry);
  ///@}

 private:
  struct Deleter {
    void operator()(sys::SignalsState* state) const noexcept;
  };
  std::unique_ptr<sys::SignalsState, Deleter> state_;
};

namespace win {
///@{
/// Windows' console control events (the values of CTRL_C_EVENT and its neighbours), for
/// Signals; they exist as numbers on every OS so that portable code compiles.
inline constexpr int kCtrlC = 0;
inline constexpr int kCtrlBreak = 1;
inline constexpr int kCtrlClose = 2;
inline constexpr int kCtrlLogoff = 5;
inline constexpr int kCtrlShutdown = 6;
///@}
}  // namespace win

}  // namespace pollux
