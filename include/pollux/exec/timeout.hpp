// SPDX-License-Identifier: MIT
#pragma once
// timeout and timeout_at: run an awaitable with a deadline, inside the awaiting task.
//
//   auto r = co_await timeout(rx.recv(), 100ms);
//   if (!r) { /* r.error() == std::errc::timed_out */ } else use(r.value());
//
// The argument order (operation first, then the limit) is the one pollux-exec always
// had; tokio puts the duration first.

#include <chrono>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/deadline.hpp>
#include <pollux/exec/select.hpp>
#include <pollux/exec/task.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// What timeout() gives: the operation's value, or why there is none:
/// std::errc::timed_out, or std::errc::operation_not_permitted outside a runtime (no
/// timers to watch the deadline with).
template <class T>
class [[nodiscard]] TimeoutResult {
  struct ErrorTag {};

 public:
  /// A result without a value: the deadline passed (std::errc::timed_out).
  static TimeoutResult elapsed() { return failed(std::make_error_code(std::errc::timed_out)); }
  /// A result without a value, for the reason `ec`.
  static TimeoutResult failed(std::error_code ec) { return TimeoutResult(ErrorTag{}, ec); }
  /// The operation's value: it finished in time.
  explicit TimeoutResult(T value) : value_(std::move(value)) {}

  ///@{
  /// The operation finished in time; value() holds its result.
  explicit operator bool() const noexcept { return value_.has_value(); }
  bool has_value() const noexcept { return value_.has_value(); }
  ///@}
  /// Empty when the operation finished in time.
  std::error_code error() const noexcept { return error_; }
  ///@{
  /// The operation's result. Only when has_value().
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  ///@}

 private:
  TimeoutResult(ErrorTag, std::error_code ec) : error_(ec) {}
  std::optional<T> value_;
  std::error_code error_;
};

/// What timeout() gives for an operation without a value: only whether it finished in
/// time, and why not.
template <>
class [[nodiscard]] TimeoutResult<void> {
 public:
  /// The deadline passed (std::errc::timed_out).
  static TimeoutResult elapsed() { return failed(std::make_error_code(std::errc::timed_out)); }
  /// Not in time, for the reason `ec`.
  static TimeoutResult failed(std::error_code ec) {
    TimeoutResult r(false);
    r.error_ = ec;
    return r;
  }
  /// Finished in time, or else timed out.
  explicit TimeoutResult(bool in_time) noexcept
      : error_(in_time ? std::error_code{} : std::make_error_code(std::errc::timed_out)) {}
  ///@{
  /// The operation finished in time.
  explicit operator bool() const noexcept { return !error_; }
  bool has_value() const noexcept { return !error_; }
  ///@}
  /// Empty when the operation finished in time.
  std::error_code error() const noexcept { return error_; }

 private:
  std::error_code error_;
};

namespace detail {

// timeout()'s timer branch: true at `deadline`; false at once outside a runtime.
POLLUX_EXEC_API Task<bool> deadline_passed(std::chrono::steady_clock::time_point deadline);

template <class T>
Task<TimeoutResult<T>> timeout_task(Task<T> op, std::chrono::steady_clock::time_point deadline) {
  auto r = co_await select_tasks(std::index_sequence<0, 1>{}, std::move(op),
                                 deadline_passed(deadline));
  if (r.index() == 1) {
    co_return TimeoutResult<T>::failed(std::make_error_code(
        std::get<1>(r) ? std::errc::timed_out : std::errc::operation_not_permitted));
  }
  if constexpr (std::is_void_v<T>) {
    co_return TimeoutResult<void>(true);
  } else {
    co_return TimeoutResult<T>(std::move(std::get<0>(r)));
  }
}

}  // namespace detail

/// Runs `op` (a Task or any pollux-exec awaitable) in the awaiting task until it
/// finishes or `deadline` passes, whichever is first (a select() with a timer branch).
/// In time: its value (an exception it threw is rethrown here). Late: `op` is cancelled
/// (its frame destroyed at its suspension point, which deregisters what it waited on)
/// before co_await returns, and the result is std::errc::timed_out. `op` starts first:
/// one that finishes without waiting wins even over a deadline that has passed.
///
/// Cancel safety: cancelling the awaiting task cancels `op` the same way, before the
/// cancel returns; what `op` loses then is what its own cancel safety says. Argument
/// lifetimes are select()'s: await `timeout(...)` in the expression that creates it.
template <class A>
auto timeout_at(A&& op, std::chrono::steady_clock::time_point deadline) {
  return detail::timeout_task(detail::to_task(std::forward<A>(op)), deadline);
}

/// timeout_at(op, now + duration); a duration past the clock's range never elapses, a
/// zero or negative one has elapsed already.
template <class A, class Rep, class Period>
auto timeout(A&& op, std::chrono::duration<Rep, Period> duration) {
  return timeout_at(std::forward<A>(op),
                    detail::saturating_deadline(std::chrono::steady_clock::now(), duration));
}

}  // namespace pollux::exec
