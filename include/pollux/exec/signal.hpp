// SPDX-License-Identifier: MIT
#pragma once
// exec::SignalStream and exec::ctrl_c(): signals (Unix) and console control events
// (Windows) awaited on the runtime, over pollux::Signals.

#include <initializer_list>
#include <span>
#include <system_error>
#include <utility>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/registered.hpp>
#include <pollux/exec/io_result.hpp>
#include <pollux/exec/task.hpp>
#include <pollux/signals.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// A pollux::Signals registered with the runtime's I/O driver: `co_await s.recv()` gives
/// the next signal that arrived (`auto [ec, sig] = ...`). Arrivals are counted from the
/// moment the stream is made, also while no recv waits, and each is given out once;
/// different signals are never merged (see pollux::Signals for the numbers, what is
/// refused, and how the handler coexists with others). Make it inside a task of a
/// runtime (elsewhere: std::errc::operation_not_permitted).
///
/// Cancel safety: recv is cancel-safe. An arrival is taken from the Signals only by the
/// recv that returns it, in the same step that resumes its caller, so a recv dropped
/// while it waits (its task aborted, a select or timeout that it lost) loses no signal:
/// the next recv gets it.
class POLLUX_EXEC_API SignalStream {
 public:
  SignalStream() noexcept = default;

  ///@{
  /// Watches `signals` (as pollux::Signals::create) and registers them with the current
  /// runtime's driver. Errors: those of Signals::create, and operation_not_permitted
  /// outside a task of a runtime.
  static SignalStream create(std::span<const int> signals, std::error_code& ec);
  static SignalStream create(std::initializer_list<int> signals, std::error_code& ec) {
    return create(std::span<const int>(signals.begin(), signals.size()), ec);
  }
  ///@}
  /// Takes over a Signals made elsewhere (arrivals it holds are kept), as create does.
  static SignalStream from_signals(pollux::Signals signals, std::error_code& ec);

  ///@{
  /// Movable, not copyable: the registration moves with it.
  SignalStream(SignalStream&&) noexcept = default;
  SignalStream& operator=(SignalStream&&) noexcept = default;
  ///@}

  /// The next arrival. Errors: bad_file_descriptor for an empty stream or once the
  /// runtime is shut down (then the value is 0).
  Task<IoResult<int>> recv();
  /// False for an empty stream (default-made, moved from, or failed to create).
  bool is_open() const noexcept { return signals_.source().is_open(); }

 private:
  detail::Registered<pollux::Signals> signals_;
};

/// Completes at the next Ctrl-C (SIGINT on Unix, win::kCtrlC on Windows) that arrives
/// after the call starts running: `if (auto ec = co_await exec::ctrl_c()) ...`. While it
/// waits, Ctrl-C no longer ends the program. Each call watches on its own, so several
/// tasks may wait at once and each sees the same Ctrl-C; to not miss one that comes
/// between two waits, keep a SignalStream instead. Cancel-safe (it holds nothing once
/// dropped).
POLLUX_EXEC_API Task<std::error_code> ctrl_c();

}  // namespace pollux::exec
