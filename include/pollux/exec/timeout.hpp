#pragma once
// timeout and timeout_at: run a task with a deadline.

#include <chrono>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/deadline.hpp>
#include <pollux/exec/join_handle.hpp>
#include <pollux/exec/runtime.hpp>
#include <pollux/exec/task.hpp>

namespace pollux::exec {

/// What timeout() gives: the task's value, or std::errc::timed_out.
template <class T>
class [[nodiscard]] TimeoutResult {
 public:
  static TimeoutResult elapsed() { return TimeoutResult(); }
  explicit TimeoutResult(T value) : value_(std::move(value)) {}

  explicit operator bool() const noexcept { return value_.has_value(); }
  bool has_value() const noexcept { return value_.has_value(); }
  /// Empty when the task finished in time; std::errc::timed_out when it did not.
  std::error_code error() const noexcept {
    return value_ ? std::error_code{} : std::make_error_code(std::errc::timed_out);
  }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }

 private:
  TimeoutResult() = default;
  std::optional<T> value_;
};

template <>
class [[nodiscard]] TimeoutResult<void> {
 public:
  static TimeoutResult elapsed() { return TimeoutResult(false); }
  explicit TimeoutResult(bool in_time) noexcept : in_time_(in_time) {}
  explicit operator bool() const noexcept { return in_time_; }
  bool has_value() const noexcept { return in_time_; }
  std::error_code error() const noexcept {
    return in_time_ ? std::error_code{} : std::make_error_code(std::errc::timed_out);
  }

 private:
  bool in_time_;
};

namespace detail {

struct JoinHandleAccess {
  template <class T>
  static OutputCell<T>* cell(JoinHandle<T>& h) noexcept {
    return h.cell_;
  }
};

// Waits until `task` completes or `deadline` passes, whichever is first; on the
// deadline it aborts the task and waits for it to be dropped. true: it completed first.
POLLUX_EXEC_API Task<bool> join_before(TaskHeader* task, std::chrono::steady_clock::time_point deadline);

}  // namespace detail

/// Runs `task` as a task of its own on the current runtime and waits for it until
/// `deadline`. In time: its value (its exception is rethrown here). Late: the task is
/// aborted (its coroutine frame destroyed at its suspension point, which cancels what
/// it waited on) and, once it has been dropped, the result is std::errc::timed_out.
/// A task that finished with a value just as the deadline passed may still be reported
/// as timed out. Outside a runtime the task cannot be spawned: std::system_error
/// (operation_canceled), as from a JoinHandle.
///
/// Cancel safety: dropping the awaiting task aborts the inner one (it is dropped
/// asynchronously); whatever the inner task was doing is as safe as it is to drop.
template <class T>
Task<TimeoutResult<T>> timeout_at(Task<T> task, std::chrono::steady_clock::time_point deadline) {
  JoinHandle<T> handle = spawn(std::move(task));
  struct AbortOnDrop {
    JoinHandle<T>* handle;
    ~AbortOnDrop() {
      if (handle != nullptr) handle->abort();
    }
  } guard{&handle};
  detail::OutputCell<T>* cell = detail::JoinHandleAccess::cell(handle);
  const bool in_time = cell != nullptr && co_await detail::join_before(cell, deadline);
  guard.handle = nullptr;
  if (!in_time) co_return TimeoutResult<T>::elapsed();
  if constexpr (std::is_void_v<T>) {
    cell->take_output();
    co_return TimeoutResult<void>(true);
  } else {
    co_return TimeoutResult<T>(cell->take_output());
  }
}

/// timeout_at(task, now + duration); a duration past the clock's range never elapses.
template <class T>
Task<TimeoutResult<T>> timeout(Task<T> task, std::chrono::nanoseconds duration) {
  return timeout_at(std::move(task),
                    detail::saturating_deadline(std::chrono::steady_clock::now(), duration));
}

}  // namespace pollux::exec
