// SPDX-License-Identifier: MIT
#pragma once
// ready()/readable()/writable() and try_io() for pollux-exec's own I/O types, as tokio's
// TcpStream has them: for I/O that pollux-exec does not wrap (a recvmsg with ancillary
// data, a sendfile, a socket option read at the right moment) done on the type's own
// registration. The same rule as AsyncFd's try_io (async_fd.hpp): the function returns
// would-block only after a real operation on the source met it, and then the readiness
// it was called under is forgotten and, where pollux emulates edges, the source re-armed.

#include <system_error>
#include <type_traits>
#include <utility>

#include <pollux/exec/async_fd.hpp>
#include <pollux/exec/detail/io_handle.hpp>
#include <pollux/exec/io_result.hpp>
#include <pollux/interest.hpp>
#include <pollux/would_block.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// What try_io hands a function that takes one (`[&](exec::IoAttempt& at) { ... }`):
/// the readiness the attempt is made under, and a way to forget it without meeting
/// would-block. A read on a stream socket that returned less than it asked for, or a
/// write that took less than it was given, has emptied (filled) the socket's buffer:
/// clear_ready() then spares the next attempt, which could only meet would-block, and
/// the next wait suspends at once. Data that comes after it is a new edge, which the
/// driver reports anew (on poll(2) and IOCP the source is re-armed as after would-block).
/// Clearing readiness the source still has makes the next wait hang: call it only when
/// the operation shows that the buffer was emptied or filled.
class IoAttempt {
 public:
  explicit IoAttempt(Ready ready) noexcept : ready_(ready) {}
  IoAttempt(const IoAttempt&) = delete;
  IoAttempt& operator=(const IoAttempt&) = delete;

  Ready ready() const noexcept { return ready_; }
  void clear_ready() noexcept { clear_ = true; }
  bool clear_requested() const noexcept { return clear_; }

 private:
  Ready ready_;
  bool clear_ = false;
};

}  // namespace pollux::exec

namespace pollux::inline POLLUX_ABI()::exec::detail {

// try_io's function takes an IoAttempt& or nothing.
template <class F>
decltype(auto) call_attempt(F& f, IoAttempt& attempt) {
  if constexpr (std::is_invocable_v<F&, IoAttempt&>) {
    return f(attempt);
  } else {
    return f();
  }
}
template <class F>
using TryIoResult = decltype(call_attempt(std::declval<F&>(), std::declval<IoAttempt&>()));

/// co_await stream.ready(interest): the readiness seen, once there is some.
class ReadyAwait {
 public:
  ReadyAwait(const IoHandle& handle, Interest registered, Interest wanted) noexcept
      : wait_(handle, registered, wanted) {}
  bool await_ready() noexcept { return wait_.await_ready(); }
  bool await_suspend(std::coroutine_handle<> h) noexcept { return wait_.await_suspend(h); }
  IoResult<Ready> await_resume() noexcept {
    const FdReadyWait::Seen seen = wait_.await_resume();
    if (seen.failed()) return {seen.error(), Ready()};
    return {{}, Ready(seen.ready)};
  }

 private:
  FdReadyWait wait_;
};

template <class R>
R error_result(std::error_code ec) {
  if constexpr (std::is_same_v<R, std::error_code>) {
    return ec;
  } else {
    R r{};
    r.error = ec;
    return r;
  }
}

template <class R>
const std::error_code& error_of(const R& r) noexcept {
  if constexpr (std::is_same_v<R, std::error_code>) {
    return r;
  } else {
    return r.error;
  }
}

// `source` is the pollux source registered under `handle` with `registered`.
template <class S, class F>
TryIoResult<F> try_io_on(const IoHandle& handle,
                         S& source,
                         Interest registered,
                         Interest wanted,
                         F& f) {
  using R = TryIoResult<F>;
  static_assert(std::is_same_v<R, std::error_code> || requires(R r) { r.error; },
                "try_io's function returns a std::error_code or an IoResult<T>");
  const FdReadyWait::Seen seen = FdReadyWait::now(handle, registered, wanted);
  if (seen.failed()) return error_result<R>(seen.error());
  // Not ready: f is not called, as tokio's try_io.
  if (seen.ready == 0) return error_result<R>(std::make_error_code(std::errc::operation_would_block));
  IoAttempt attempt{Ready(seen.ready)};
  R result = call_attempt(f, attempt);
  if (attempt.clear_requested() || is_would_block(error_of(result))) {
    async_fd_clear(handle, ErasedSource{&source, kAddSource<S>, kModifySource<S>}, registered,
                   seen.ready, seen.tick);
  }
  return result;
}

}  // namespace pollux::exec::detail

namespace pollux::inline POLLUX_ABI()::exec::detail {

// The members each I/O type gets, written once: `Self` has `io_` (its IoHandle), the
// pollux source `source()` registered under it, and kRegistered (the Interest it was
// registered with), and befriends this class.
template <class Self>
class ReadinessOps {
 public:
  /// Waits until the object is ready for `interest` and says what it saw (readable,
  /// writable, closed, error). Errors: an Interest it was not registered for
  /// (invalid_argument), not registered or the runtime gone (bad_file_descriptor).
  /// Cancel safety: safe (nothing is consumed).
  ReadyAwait ready(Interest interest) const noexcept {
    const Self& self = static_cast<const Self&>(*this);
    return {self.io_, Self::kRegistered, interest};
  }
  ReadyAwait readable() const noexcept { return ready(Interest::readable); }
  ReadyAwait writable() const noexcept { return ready(Interest::writable); }

  /// Runs `f()`, an operation of the caller's own on the source (through get() or its
  /// native handle) that returns a std::error_code or an IoResult<T>, when the object is
  /// ready for `interest`; when it is not, returns would-block without calling `f`. When
  /// `f` reports would-block, the readiness is forgotten (and, on poll(2) and IOCP, the
  /// source re-armed): await ready() before trying again. `f` must report would-block only
  /// when a real operation on the source met it. `f` may take an IoAttempt&, to see the
  /// readiness and to forget it after a short transfer (see IoAttempt).
  template <class F>
  TryIoResult<F> try_io(Interest interest, F f) {
    Self& self = static_cast<Self&>(*this);
    return try_io_on(self.io_, self.source(), Self::kRegistered, interest, f);
  }
};

}  // namespace pollux::exec::detail
