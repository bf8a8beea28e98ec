// SPDX-License-Identifier: MIT
#pragma once
// JoinResult<T>: how a spawned task ended, as `co_await handle` reports it (tokio's
// Result<T, JoinError>). Awaiting a JoinHandle never throws.
//
//   auto r = co_await handle;
//   if (r) use(r.value());                     // completed
//   else if (r.is_cancelled()) ...             // aborted, or dropped at shutdown
//   else if (r.is_failed()) log(r.exception()); // an exception escaped the task
//
// value_or_throw() is the throwing convenience: the value, or the task's exception
// rethrown, or std::system_error(error()).

#include <exception>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

namespace detail {

// The part that does not depend on T; R is the JoinResult built on it.
template <class R>
class JoinOutcome {
 public:
  static R failed(std::exception_ptr e) noexcept {
    R r;
    r.exception_.emplace(std::move(e));
    return r;
  }
  static R from_error(std::errc e) noexcept {
    R r;
    r.error_ = e;
    return r;
  }

  /// The task was dropped before it finished: abort(), the runtime's shutdown, or a
  /// spawn the runtime refused (std::errc::operation_canceled).
  bool is_cancelled() const noexcept { return error_ == std::errc::operation_canceled; }
  /// An exception escaped the task; exception() holds it.
  bool is_failed() const noexcept { return exception_.has_value(); }
  /// Why there is no value, when not an exception: operation_canceled (cancelled),
  /// invalid_argument (an empty handle, an empty Task, or a value taken already), or
  /// what refused the task (not_enough_memory). Empty when completed or failed.
  std::error_code error() const noexcept {
    return error_ == std::errc{} ? std::error_code{} : std::make_error_code(error_);
  }
  std::exception_ptr exception() const noexcept { return exception_ ? *exception_ : nullptr; }

 protected:
  [[noreturn]] void rethrow() const {
    if (exception_) std::rethrow_exception(*exception_);
    throw std::system_error(std::make_error_code(error_));
  }
  // Kept cheap to build and destroy for the common case (a value): no error_code (its
  // default category is a call) and no exception_ptr (its destructor is one).
  std::errc error_{};
  std::optional<std::exception_ptr> exception_;
};

}  // namespace detail

/// How a spawned task ended, as `co_await` on its JoinHandle (or JoinSet::join_next)
/// gives it: a value, cancelled (is_cancelled(): aborted, or dropped at shutdown) or
/// failed (is_failed(): an exception escaped the task, exception() holds it). Never throws
/// unless asked to (value_or_throw).
template <class T>
class [[nodiscard]] JoinResult : public detail::JoinOutcome<JoinResult<T>> {
 public:
  /// A result that holds `value` (for tests and adapters).
  static JoinResult completed(T value) {
    JoinResult r;
    r.value_.emplace(std::move(value));
    return r;
  }

  /// The task completed; value() holds what it returned.
  ///@{
  /// The task completed; value() holds what it returned.
  bool has_value() const noexcept { return value_.has_value(); }
  explicit operator bool() const noexcept { return value_.has_value(); }
  ///@}
  ///@{
  /// What the task returned. Only when has_value().
  T& value() & noexcept { return *value_; }
  const T& value() const& noexcept { return *value_; }
  T&& value() && noexcept { return std::move(*value_); }
  ///@}

  /// The value; otherwise rethrows the task's exception, or throws
  /// std::system_error(error()).
  T value_or_throw() && {
    if (!value_) this->rethrow();
    return std::move(*value_);
  }

 private:
  friend class detail::JoinOutcome<JoinResult>;
  JoinResult() noexcept = default;
  std::optional<T> value_;
};

/// How a task that returns nothing ended: as JoinResult<T>, without a value.
template <>
class [[nodiscard]] JoinResult<void> : public detail::JoinOutcome<JoinResult<void>> {
 public:
  /// A result of a task that completed (for tests and adapters).
  static JoinResult completed() noexcept {
    JoinResult r;
    r.done_ = true;
    return r;
  }

  ///@{
  /// The task completed.
  bool has_value() const noexcept { return done_; }
  explicit operator bool() const noexcept { return done_; }
  ///@}
  /// Returns if the task completed; otherwise rethrows its exception, or throws
  /// std::system_error(error()).
  void value_or_throw() && {
    if (!done_) rethrow();
  }

 private:
  friend class detail::JoinOutcome<JoinResult>;
  JoinResult() noexcept = default;
  bool done_ = false;
};

}  // namespace pollux::exec
