// SPDX-License-Identifier: MIT
#pragma once
// JoinSet<T>: a set of spawned tasks, awaited in the order they finish (tokio's
// JoinSet).
//
//   JoinSet<int> set;
//   for (auto& job : jobs) set.spawn(run(job));
//   while (auto r = co_await set.join_next()) {   // std::optional<JoinResult<int>>
//     if (*r) total += r->value();
//   }
//
// - spawn(task) spawns on the current runtime (insert(handle) takes a task spawned
//   elsewhere, e.g. by Runtime::spawn or spawn_blocking); both give an AbortHandle.
// - join_next(): the next task to finish, as a JoinResult (completed, cancelled or
//   failed); std::nullopt once the set is empty. try_join_next() does not wait (nullopt
//   also while none has finished).
// - abort_all() aborts every task in the set; they stay in it, and join_next() reports
//   them cancelled (or done, if they finished first). Destroying the set aborts every
//   task it still holds and drops their outputs.
// - Cancel safety: join_next() is cancel-safe: a wait dropped (the awaiting task
//   cancelled, a select or timeout lost) takes no task out of the set.
// - One task uses a JoinSet at a time (it is not thread-safe); the tasks in it may
//   finish on any thread. Each spawn allocates a small entry besides the task.

#include <cstddef>
#include <coroutine>
#include <mutex>
#include <optional>
#include <utility>

#include <pollux/exec/abort_handle.hpp>
#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/task_header.hpp>
#include <pollux/exec/detail/wait_list.hpp>
#include <pollux/exec/join_handle.hpp>
#include <pollux/exec/join_result.hpp>
#include <pollux/exec/runtime.hpp>
#include <pollux/exec/task.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

namespace detail {

// The part that does not depend on T (lib/exec/join_set.cpp): the tasks, split into
// those still running and those finished, and the waiting join_next(). Counted: each
// task's join waker keeps its entry, and each entry the core, alive.
class POLLUX_EXEC_API JoinSetCore {
 public:
  static JoinSetCore* create();
  // The set goes: aborts and forgets every task, then drops the set's reference.
  void close() noexcept;

  // Takes over `task` and its JoinHandle's reference. Allocates (std::bad_alloc).
  void insert(TaskHeader* task);
  // A finished task taken out of the set, or null; the caller takes its output and then
  // drops the JoinHandle's reference (drop_join_handle).
  TaskHeader* pop_finished() noexcept;
  // join_next()'s wait: false when there is no need (a task finished, or the set is
  // empty); the waker is dropped then.
  bool wait(Waker waker) noexcept;
  void cancel_wait() noexcept;
  void abort_all() noexcept;
  // Only the set's own task changes it: read without the lock.
  std::size_t len() const noexcept { return len_; }

 private:
  struct Entry;
  JoinSetCore() = default;
  void unref() noexcept;
  static void entry_unref(Entry* e) noexcept;
  static void wake_fn(void* data) noexcept;
  static void drop_fn(void* data) noexcept;
  static void* clone_fn(void* data) noexcept;
  static const WakerVtable kVtable;

  std::mutex mutex_;
  WaitList running_;   // guarded by mutex_
  WaitList finished_;  // guarded by mutex_
  Waker waiter_;       // guarded by mutex_
  std::size_t len_ = 0;
  int refs_ = 1;       // guarded by mutex_: the set, and each entry
};

}  // namespace detail

/// A set of spawned tasks with outputs of one type, joined in the order they finish, as
/// tokio's JoinSet. Destroying the set aborts what is still in it. Move-only.
template <class T>
class JoinSet {
 public:
  JoinSet() : core_(detail::JoinSetCore::create()) {}
  ///@{
  /// Movable; assigning over a set aborts the tasks it held.
  JoinSet(JoinSet&& other) noexcept : core_(std::exchange(other.core_, nullptr)) {}
  JoinSet& operator=(JoinSet&& other) noexcept {
    if (this != &other) {
      reset();
      core_ = std::exchange(other.core_, nullptr);
    }
    return *this;
  }
  ///@}
  JoinSet(const JoinSet&) = delete;
  JoinSet& operator=(const JoinSet&) = delete;
  /// Aborts every task still in the set; their outputs are dropped.
  ~JoinSet() { reset(); }

  /// Spawns `task` on the current runtime (outside one it completes as cancelled).
  AbortHandle spawn(Task<T> task) { return insert(exec::spawn(std::move(task))); }

  /// Takes a task spawned elsewhere; an empty handle adds nothing.
  AbortHandle insert(JoinHandle<T> handle) {
    detail::OutputCell<T>* cell = handle.cell_;
    if (cell == nullptr || core_ == nullptr) return {};
    AbortHandle abort(cell);
    core_->insert(cell);  // the handle's reference moves into the set
    handle.cell_ = nullptr;
    return abort;
  }

  /// The awaitable that join_next() returns; await it where it is made.
  class [[nodiscard]] JoinNext {
   public:
    /// Made by join_next().
    explicit JoinNext(JoinSet& set) noexcept : set_(set) {}
    JoinNext(const JoinNext&) = delete;
    JoinNext& operator=(const JoinNext&) = delete;
    ~JoinNext() {
      if (waiting_) set_.core_->cancel_wait();
    }
    bool await_ready() const noexcept { return set_.core_ == nullptr; }
    bool await_suspend(std::coroutine_handle<> h) noexcept {
      waiting_ = set_.core_->wait(detail::suspend_current(h));
      if (waiting_) return true;
      // Done without waiting: that spends budget, as a finished JoinHandle does.
      if (!detail::coop_has_budget()) return detail::yield_current(h);
      detail::coop_consume();
      return false;
    }
    std::optional<JoinResult<T>> await_resume() {
      waiting_ = false;
      return set_.try_join_next();
    }

   private:
    JoinSet& set_;
    bool waiting_ = false;
  };

  /// `co_await set.join_next()`: the next task to finish, or std::nullopt once the set
  /// is empty.
  JoinNext join_next() noexcept { return JoinNext(*this); }

  /// A task that has finished, taken out of the set; std::nullopt if none has.
  std::optional<JoinResult<T>> try_join_next() {
    detail::TaskHeader* task = core_ ? core_->pop_finished() : nullptr;
    if (task == nullptr) return std::nullopt;
    // The set owned the JoinHandle's reference: dropped once the output is out.
    struct Release {
      detail::TaskHeader* task;
      ~Release() { task->drop_join_handle(); }
    } release{task};
    return static_cast<detail::OutputCell<T>*>(task)->take_result();
  }

  /// Aborts every task in the set; join_next() still reports each one.
  void abort_all() noexcept {
    if (core_) core_->abort_all();
  }
  /// Tasks in the set: running, or finished and not yet joined.
  std::size_t len() const noexcept { return core_ ? core_->len() : 0; }
  /// No task in the set: join_next() would give std::nullopt at once.
  bool is_empty() const noexcept { return len() == 0; }

 private:
  void reset() noexcept {
    if (core_) std::exchange(core_, nullptr)->close();
  }
  detail::JoinSetCore* core_;
};

}  // namespace pollux::exec
