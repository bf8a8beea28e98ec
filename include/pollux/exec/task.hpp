// SPDX-License-Identifier: MIT
#pragma once
// Task<T>: a lazy C++20 coroutine. Nothing runs until the task is awaited or spawned;
// awaiting one transfers control to it symmetrically (no stack growth along long
// chains of awaits), and its result, or the exception it threw, reaches the awaiter.

#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>

#include <pollux/exec/config.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

template <class T>
class Task;
class Runtime;
class Handle;

namespace detail {

struct TaskAccess;  // select/join run Tasks as branches (detail/branches.hpp)

// Frame memory (lib/exec/frame_pool.cpp), recycled per thread. Every Task frame comes
// with a prefix of kFramePrefix bytes in front of it: when the task is spawned, its
// task header is built there, so that a spawned task costs one allocation. The block is
// freed when both the frame and the header are gone, whichever goes last.
inline constexpr std::size_t kFramePrefix = 80;
POLLUX_EXEC_API void* frame_allocate(std::size_t size);
POLLUX_EXEC_API void frame_deallocate(void* frame, std::size_t size) noexcept;
// The header's side: returns the prefix to build it in; detach when it is destroyed.
POLLUX_EXEC_API void* frame_attach_header(void* frame) noexcept;
POLLUX_EXEC_API void frame_detach_header(void* frame) noexcept;
// Cells that have no frame (blocking calls), from the same per-thread pool.
POLLUX_EXEC_API void* cell_allocate(std::size_t size);
POLLUX_EXEC_API void cell_deallocate(void* p, std::size_t size) noexcept;

// Where a finished coroutine goes next: its awaiter, or back to whoever resumed the
// outermost one (the scheduler) when nothing awaits it.
struct TaskFinalAwaiter {
  bool await_ready() const noexcept { return false; }
  template <class Promise>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> h) noexcept {
    std::coroutine_handle<> next = h.promise().continuation_;
    return next ? next : std::noop_coroutine();
  }
  void await_resume() const noexcept {}
};

class TaskPromiseBase {
 public:
  static void* operator new(std::size_t size) { return frame_allocate(size); }
  static void operator delete(void* p, std::size_t size) noexcept { frame_deallocate(p, size); }

  std::suspend_always initial_suspend() const noexcept { return {}; }
  TaskFinalAwaiter final_suspend() const noexcept { return {}; }
  void unhandled_exception() noexcept { exception_ = std::current_exception(); }

  std::coroutine_handle<> continuation_;
  std::exception_ptr exception_;
};

template <class T>
class TaskPromise final : public TaskPromiseBase {
 public:
  Task<T> get_return_object() noexcept;
  template <class U = T>
    requires std::is_convertible_v<U&&, T>
  void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    value_.emplace(std::forward<U>(value));
  }
  T take() {
    if (exception_) std::rethrow_exception(exception_);
    return std::move(*value_);
  }
  std::optional<T> value_;
};

template <>
class TaskPromise<void> final : public TaskPromiseBase {
 public:
  Task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void take() {
    if (exception_) std::rethrow_exception(exception_);
  }
};

}  // namespace detail

/// A lazily started coroutine producing a T. Move-only; destroying a Task that has not
/// finished destroys its coroutine frame (and, through it, every task it awaits).
template <class T = void>
class [[nodiscard]] Task {
  static_assert(!std::is_reference_v<T>, "Task<T&> is not supported; return a pointer");

 public:
  /// What makes a function returning Task<T> a coroutine (its type is internal).
  using promise_type = detail::TaskPromise<T>;
  /// The coroutine's handle.
  using Handle = std::coroutine_handle<promise_type>;

  Task() noexcept = default;
  /// Made by the coroutine machinery: a Task owns the frame it is given.
  explicit Task(Handle h) noexcept : handle_(h) {}
  ///@{
  /// Movable; assigning over a Task destroys the frame it held.
  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  ///@}
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { reset(); }

  /// False for a default-constructed or moved-from task.
  bool valid() const noexcept { return static_cast<bool>(handle_); }

  class Awaiter {
   public:
    explicit Awaiter(Handle h) noexcept : handle_(h) {}
    // An empty task has nothing to run: await_resume reports it.
    bool await_ready() const noexcept { return !handle_; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
      handle_.promise().continuation_ = awaiting;
      return handle_;
    }
    T await_resume() {
      if (!handle_) throw std::system_error(std::make_error_code(std::errc::invalid_argument));
      return handle_.promise().take();
    }

   private:
    Handle handle_;
  };

  /// Runs the task to completion inside the awaiting coroutine; yields its value or
  /// rethrows its exception. Awaiting an empty task throws std::system_error(EINVAL).
  Awaiter operator co_await() && noexcept { return Awaiter{handle_}; }

 private:
  friend class Runtime;  // spawn takes the frame over
  friend class pollux::exec::Handle;
  friend struct detail::TaskAccess;

  void reset() noexcept {
    if (handle_) std::exchange(handle_, {}).destroy();
  }

  Handle handle_;
};

namespace detail {

template <class T>
Task<T> TaskPromise<T>::get_return_object() noexcept {
  return Task<T>{std::coroutine_handle<TaskPromise<T>>::from_promise(*this)};
}

inline Task<void> TaskPromise<void>::get_return_object() noexcept {
  return Task<void>{std::coroutine_handle<TaskPromise<void>>::from_promise(*this)};
}

}  // namespace detail

}  // namespace pollux::exec
