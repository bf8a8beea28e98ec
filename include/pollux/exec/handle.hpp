// SPDX-License-Identifier: MIT
#pragma once
// Handle: a copyable reference to a Runtime, as tokio's runtime::Handle: spawn onto it,
// run blocking calls on its pool, or block_on from any thread, including threads that
// the runtime does not own; Handle::current() inside one of its tasks.
//
// A Handle keeps the runtime's memory alive, never its threads: the Runtime object still
// decides when the runtime stops (shutdown(), or its destructor). Once it has, a Handle
// stays safe to use and answers as a stopped runtime does: spawn and spawn_blocking give
// a JoinHandle that completes as cancelled (operation_canceled), block_on reports
// std::system_error(operation_canceled) as Runtime::block_on does, and is_shut_down() is
// true. The last Handle (or the Runtime, whichever goes last) frees the runtime.

#include <system_error>
#include <type_traits>
#include <utility>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/task_header.hpp>
#include <pollux/exec/join_handle.hpp>
#include <pollux/exec/task.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

namespace detail {
POLLUX_EXEC_API void spawn_cell(Scheduler* scheduler, TaskHeader* cell) noexcept;
POLLUX_EXEC_API void spawn_blocking_cell(Scheduler* scheduler, TaskHeader* cell) noexcept;
POLLUX_EXEC_API void block_until_complete(Scheduler* scheduler, TaskHeader* cell) noexcept;
// The scheduler whose task or worker is running on this thread, or null.
POLLUX_EXEC_API Scheduler* current_scheduler() noexcept;
// The count of owners (the Runtime, each Handle) that keep a scheduler's memory alive.
POLLUX_EXEC_API void scheduler_retain(Scheduler* scheduler) noexcept;
POLLUX_EXEC_API void scheduler_release(Scheduler* scheduler) noexcept;
}  // namespace detail

/// A copyable reference to a Runtime, as tokio's Handle: spawn, spawn_blocking and block_on
/// from any thread. It keeps the runtime's memory alive, never its threads: once the Runtime
/// is shut down or destroyed a Handle answers as a stopped runtime does (spawns complete as
/// cancelled, block_on reports operation_canceled).
class POLLUX_EXEC_API Handle {
 public:
  /// An empty Handle: it refers to no runtime and answers as a stopped one.
  Handle() noexcept = default;
  ///@{
  /// Copyable and movable; a moved-from Handle is empty.
  Handle(const Handle& other) noexcept : scheduler_(other.scheduler_) {
    if (scheduler_ != nullptr) detail::scheduler_retain(scheduler_);
  }
  Handle(Handle&& other) noexcept : scheduler_(std::exchange(other.scheduler_, nullptr)) {}
  Handle& operator=(Handle other) noexcept {
    std::swap(scheduler_, other.scheduler_);
    return *this;
  }
  ///@}
  ~Handle() {
    if (scheduler_ != nullptr) detail::scheduler_release(scheduler_);
  }

  /// The runtime whose task, worker or blocking call runs on this thread. Elsewhere (a
  /// thread of no runtime, or one that only waits in a multi_thread runtime's block_on)
  /// an empty Handle.
  static Handle current() noexcept;
  /// As current(), and outside any runtime sets `ec` to operation_not_permitted, as
  /// making an I/O object there does.
  static Handle current(std::error_code& ec) noexcept;

  /// False for an empty Handle (default-made, moved from, or current() outside a runtime).
  bool valid() const noexcept { return scheduler_ != nullptr; }
  /// True once the runtime was shut down (or destroyed), and for an empty Handle.
  bool is_shut_down() const noexcept;
  /// Two Handles are equal when they refer to the same runtime (or are both empty).
  friend bool operator==(const Handle& a, const Handle& b) noexcept {
    return a.scheduler_ == b.scheduler_;
  }

  /// As Runtime::spawn; from any thread.
  template <class T>
  JoinHandle<T> spawn(Task<T> task) const {
    return spawn_on(scheduler_, std::move(task));
  }
  /// As Runtime::spawn_blocking; from any thread.
  template <class F, class R = std::invoke_result_t<std::decay_t<F>&>>
  JoinHandle<R> spawn_blocking(F&& fn) const {
    return spawn_blocking_on(scheduler_, std::forward<F>(fn));
  }
  /// As Runtime::block_on; from any thread (the Handle keeps the runtime's memory alive
  /// for the wait, so a concurrent destruction of the Runtime ends it as cancelled).
  template <class T>
  T block_on(Task<T> task) const {
    return block_on_with(scheduler_, std::move(task));
  }

  ///@{
  /// The work behind Runtime's and Handle's members, for a scheduler that may be null
  /// (which gives a JoinHandle completed as cancelled). Not for users: the scheduler type
  /// is internal.
  template <class T>
  static JoinHandle<T> spawn_on(detail::Scheduler* scheduler, Task<T> task) {
    detail::OutputCell<T>* cell;
    if (task.valid()) {
      cell = detail::SpawnedTask<T>::attach(std::exchange(task.handle_, {}));
    } else {
      cell = new detail::OutputCell<T>(&detail::EmptyTask<T>::kVtable, 2);
    }
    detail::spawn_cell(scheduler, cell);
    return JoinHandle<T>{cell};
  }
  template <class F, class R = std::invoke_result_t<std::decay_t<F>&>>
  static JoinHandle<R> spawn_blocking_on(detail::Scheduler* scheduler, F&& fn) {
    auto* cell = new detail::BlockingCell<R, std::decay_t<F>>(std::forward<F>(fn));
    detail::spawn_blocking_cell(scheduler, cell);
    return JoinHandle<R>{cell};
  }
  template <class T>
  static T block_on_with(detail::Scheduler* scheduler, Task<T> task) {
    JoinHandle<T> handle = spawn_on(scheduler, std::move(task));
    detail::block_until_complete(scheduler, handle.cell_);
    // Only a block_on nested in a task of a runtime being shut down returns before its
    // task has finished: the task is dropped with the rest, later.
    if (!handle.is_finished()) {
      throw std::system_error(std::make_error_code(std::errc::operation_canceled));
    }
    return handle.cell_->take_result().value_or_throw();
  }
  ///@}

 private:
  friend class Runtime;
  // Takes over one reference that the caller holds.
  explicit Handle(detail::Scheduler* adopted) noexcept : scheduler_(adopted) {}

  detail::Scheduler* scheduler_ = nullptr;
};

}  // namespace pollux::exec
