// SPDX-License-Identifier: MIT
#pragma once
// IoResult<T>: what an awaited operation produced, returned by value so that nothing the
// caller owns (an error_code, a count) is written to after a suspension:
//
//   auto [ec, n] = co_await stream.read(buf);
//   auto [ec, conn] = co_await listener.accept();
//
// `value` is meaningful as each operation documents it (a read's count is valid even with
// an error set: it says how much was transferred before the error).
//
// The rules every exec I/O type (TcpStream, TcpListener, UdpSocket, UnixStream,
// UnixListener, NamedPipe, NamedPipeListener, Process) follows; each includes this header:
//
// - An operation that produces a value returns Task<IoResult<T>>; one that produces only
//   an outcome returns Task<std::error_code>. (The streams' read, write, read_exact and
//   write_all return awaiter objects that give the same results, so that an operation
//   that completes at once costs no coroutine frame; they are awaited, or passed to
//   select/join/timeout, as a Task is.) Nothing is written through a reference the
//   caller passed in: the operation's arguments are copied into its frame when it is
//   called (a span, an address, a name), and its result comes back with the co_await.
//   Calls that never suspend (bind, from_net, pair, local_addr, ...) keep the
//   `std::error_code&` last out-parameter of the synchronous API.
// - What an operation still refers to: the I/O object it was called on, and the buffer
//   it reads into or writes from. Both must live, and not move, until the co_await that
//   runs it has returned, or until the task awaiting it has been dropped (an aborted task
//   lets go of both when its frame is destroyed). Await an operation where you make it:
//   `co_await s.read(buf)`. The Task it returns can only be awaited as an rvalue and
//   cannot be copied; keeping one to await later, or spawning it, leaves both lifetimes
//   to you.
// - Each operation says what dropping it before it completes does to the data (its
//   cancel safety), next to its declaration.

#include <system_error>
#include <type_traits>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// What an I/O awaitable gives back, by value: `auto [ec, n] = co_await s.read(buf);`.
template <class T>
struct [[nodiscard]] IoResult {
  /// Empty on success.
  std::error_code error;
  /// The result (bytes moved, an accepted stream...); meaningful when `error` is empty,
  /// unless the operation says otherwise.
  T value{};

  /// True when the operation succeeded.
  explicit operator bool() const noexcept { return !error; }
};

// A T without a default constructor (ExitStatus) gets no default member initializer:
// asking whether the result is default constructible (std::optional does) must answer
// no rather than fail to compile (clang instantiates the initializer to find out).
/// IoResult for a T without a default constructor.
template <class T>
  requires(!std::is_default_constructible_v<T>)
struct [[nodiscard]] IoResult<T> {
  /// Empty on success.
  std::error_code error;
  /// The result; meaningful when `error` is empty.
  T value;

  /// True when the operation succeeded.
  explicit operator bool() const noexcept { return !error; }
};

}  // namespace pollux::exec
