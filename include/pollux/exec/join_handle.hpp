// SPDX-License-Identifier: MIT
#pragma once
// JoinHandle<T>: the owner's side of a spawned task (Runtime::spawn, spawn_blocking).
// `co_await handle` gives a JoinResult<T> (pollux/exec/join_result.hpp): the value, or
// that the task was cancelled (aborted, dropped at shutdown, spawned on a runtime that
// was shut down), or the exception that escaped it; it never throws. Destroying or
// detaching the handle lets the task run on unobserved; abort() asks for it to be
// dropped (its coroutine frame destroyed at its next suspension point).
//
// Awaiting is cancel-safe: an await dropped before the task finished (the awaiting
// task cancelled, or the await lost a select or timeout) leaves the handle as it was,
// to be awaited again. An empty handle, or one whose output was taken already, gives
// std::errc::invalid_argument.

#include <coroutine>
#include <system_error>
#include <utility>

#include <pollux/exec/abort_handle.hpp>
#include <pollux/exec/detail/task_header.hpp>
#include <pollux/exec/join_result.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

class Runtime;
class Handle;
template <class T>
class JoinSet;

template <class T>
/// The owner of a spawned task's output, as tokio's JoinHandle: `co_await` it for a
/// JoinResult<T>, abort() the task, or detach() it. Dropping the handle detaches the task
/// (it runs on; its output is dropped). Move-only.
class [[nodiscard]] JoinHandle {
 public:
  JoinHandle() noexcept = default;
  /// Made by spawn (the cell is internal).
  explicit JoinHandle(detail::OutputCell<T>* cell) noexcept : cell_(cell) {}
  ///@{
  /// Movable; assigning over a handle detaches the task it held.
  JoinHandle(JoinHandle&& other) noexcept : cell_(std::exchange(other.cell_, nullptr)) {}
  JoinHandle& operator=(JoinHandle&& other) noexcept {
    if (this != &other) {
      detach();
      cell_ = std::exchange(other.cell_, nullptr);
    }
    return *this;
  }
  ///@}
  JoinHandle(const JoinHandle&) = delete;
  JoinHandle& operator=(const JoinHandle&) = delete;
  ~JoinHandle() { detach(); }

  /// False for an empty handle (default-made, moved from, or detached).
  bool valid() const noexcept { return cell_ != nullptr; }
  /// True once the task has a value, an exception, or was cancelled.
  bool is_finished() const noexcept { return cell_ && cell_->is_complete(); }
  /// Lets the task run on unobserved; its output is dropped when it finishes.
  void detach() noexcept {
    if (cell_) std::exchange(cell_, nullptr)->drop_join_handle();
  }
  /// Asks the task to stop: if it has not finished, it is dropped at its next
  /// suspension point (at once when it is not running) and completes as cancelled.
  /// A blocking call that already started runs to its end.
  void abort() const noexcept {
    if (cell_) cell_->abort();
  }
  /// A copyable handle that can abort the task (and tell whether it finished) while
  /// this one keeps the output.
  AbortHandle abort_handle() const noexcept { return AbortHandle(cell_); }

  class Awaiter {
   public:
    explicit Awaiter(detail::OutputCell<T>* cell) noexcept : cell_(cell) {}
    Awaiter(const Awaiter&) = delete;
    Awaiter& operator=(const Awaiter&) = delete;
    // Dropped while waiting: the task must not keep (and later wake) our waker.
    ~Awaiter() {
      if (registered_) cell_->clear_join_waker();
    }
    bool await_ready() noexcept {
      if (!cell_ || !cell_->is_complete()) return false;
      if (detail::coop_has_budget()) {
        detail::coop_consume();
        return true;
      }
      yield_ = true;
      return false;
    }
    bool await_suspend(std::coroutine_handle<> h) noexcept {
      if (!cell_) return false;
      // Out of budget with the output ready: give the others a turn first.
      if (yield_) return detail::yield_current(h);
      registered_ = cell_->set_join_waker(detail::suspend_current(h));
      return registered_;
    }
    JoinResult<T> await_resume() noexcept(noexcept(std::declval<detail::OutputCell<T>&>().take_result())) {
      registered_ = false;  // the completer consumed the waker
      if (!cell_) return JoinResult<T>::from_error(std::errc::invalid_argument);
      return cell_->take_result();
    }

   private:
    detail::OutputCell<T>* cell_;
    bool yield_ = false;
    bool registered_ = false;
  };

  ///@{
  /// How the task ended (JoinResult); never throws. Await a handle's output once.
  Awaiter operator co_await() && noexcept { return Awaiter{cell_}; }
  Awaiter operator co_await() & noexcept { return Awaiter{cell_}; }
  ///@}

 private:
  friend class Runtime;
  friend class Handle;
  friend class JoinSet<T>;
  detail::OutputCell<T>* cell_ = nullptr;
};

}  // namespace pollux::exec
