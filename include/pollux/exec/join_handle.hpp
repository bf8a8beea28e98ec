#pragma once
// JoinHandle<T>: the owner's side of a spawned task (Runtime::spawn, spawn_blocking).
// Await it for the task's value; its exception is rethrown in the awaiter. Destroying or
// detaching the handle lets the task run on unobserved; abort() asks for it to be
// dropped (its coroutine frame destroyed at its next suspension point).
//
// Awaiting reports, as std::system_error, the two outcomes that carry no value:
// std::errc::operation_canceled (aborted, dropped at shutdown, or spawned on a runtime
// that was shut down) and std::errc::invalid_argument (an empty handle, or a value that
// was already taken).

#include <coroutine>
#include <system_error>
#include <utility>

#include <pollux/exec/detail/task_header.hpp>

namespace pollux::exec {

class Runtime;
class Handle;
namespace detail {
struct JoinHandleAccess;  // timeout() waits on the task cell itself
}

template <class T>
class [[nodiscard]] JoinHandle {
 public:
  JoinHandle() noexcept = default;
  explicit JoinHandle(detail::OutputCell<T>* cell) noexcept : cell_(cell) {}
  JoinHandle(JoinHandle&& other) noexcept : cell_(std::exchange(other.cell_, nullptr)) {}
  JoinHandle& operator=(JoinHandle&& other) noexcept {
    if (this != &other) {
      detach();
      cell_ = std::exchange(other.cell_, nullptr);
    }
    return *this;
  }
  JoinHandle(const JoinHandle&) = delete;
  JoinHandle& operator=(const JoinHandle&) = delete;
  ~JoinHandle() { detach(); }

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

  class Awaiter {
   public:
    explicit Awaiter(detail::OutputCell<T>* cell) noexcept : cell_(cell) {}
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
      return cell_->set_join_waker(detail::suspend_current(h));
    }
    T await_resume() {
      if (!cell_) throw std::system_error(std::make_error_code(std::errc::invalid_argument));
      return cell_->take_output();
    }

   private:
    detail::OutputCell<T>* cell_;
    bool yield_ = false;
  };

  /// The task's value; rethrows its exception. Await a handle once.
  Awaiter operator co_await() && noexcept { return Awaiter{cell_}; }
  Awaiter operator co_await() & noexcept { return Awaiter{cell_}; }

 private:
  friend class Runtime;
  friend class Handle;
  friend struct detail::JoinHandleAccess;
  detail::OutputCell<T>* cell_ = nullptr;
};

}  // namespace pollux::exec
