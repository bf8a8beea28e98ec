// SPDX-License-Identifier: MIT
#pragma once
// Runtime: runs Tasks. Two flavours, as tokio has:
// - multi_thread: N workers, each with a bounded local queue and a LIFO slot, a shared
//   injection queue, work stealing, and idle workers parked (one woken per new work);
// - current_thread: tasks run only on a thread inside block_on.
// Both share a bounded pool of threads for blocking calls (spawn_blocking).
//
// Nothing here throws except what a task threw, rethrown to its joiner; a spawn on a
// runtime that was shut down yields a JoinHandle that completes as cancelled. (Only
// allocating a task can throw: std::bad_alloc, as any allocation.)

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/task_header.hpp>
#include <pollux/exec/handle.hpp>
#include <pollux/exec/join_handle.hpp>
#include <pollux/exec/task.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// The two schedulers: a work-stealing pool of worker threads, or every task on the thread
/// that calls block_on.
enum class Flavor : std::uint8_t { multi_thread, current_thread };

/// How Runtime::create builds a runtime.
struct RuntimeOptions {
  /// Which scheduler runs the tasks.
  Flavor flavor = Flavor::multi_thread;
  /// multi_thread workers; 0 means one per hardware thread.
  unsigned workers = 0;
  /// Upper bound of the blocking pool; calls beyond it wait in its queue.
  unsigned max_blocking_threads = 64;
  /// How long an idle blocking thread waits for work before it exits. Negative is
  /// refused (invalid_argument); one past the clock's range means until shutdown.
  std::chrono::milliseconds blocking_keep_alive{10000};
  /// Run first and last on every thread the runtime starts (multi_thread workers and
  /// blocking-pool threads; not on threads that call block_on, which are the caller's),
  /// as tokio's on_thread_start/on_thread_stop. They run on many threads at once and
  /// must not throw: an exception from them ends the program.
  ///@{
  std::function<void()> on_thread_start;
  std::function<void()> on_thread_stop;
  ///@}
  /// The name those threads carry, for debuggers and `top -H`: on Linux the first 15
  /// bytes (pthread_setname_np's limit), on Windows through SetThreadDescription where
  /// the system has it (Windows 10 1607+; elsewhere, Wine included, the name is skipped).
  /// Empty: threads keep the name they are given by the system.
  std::string thread_name;
};

/// Counters summed over the workers; relaxed, for tests and benchmarks.
struct RuntimeStats {
  /// Task polls run to a suspension or to the end.
  std::uint64_t tasks_run = 0;
  /// Successful steals from another worker's queue.
  std::uint64_t steal_operations = 0;
  /// The tasks those steals moved.
  std::uint64_t tasks_stolen = 0;
  /// Times a worker went to sleep for lack of work.
  std::uint64_t parks = 0;
  /// Times a worker's local queue was full and moved half of it to the injection queue.
  std::uint64_t overflows = 0;
  /// Times a thread woke the I/O driver out of its wait (an eventfd write on Linux, a
  /// posted completion on Windows): to hand a sleeping worker work, or for shutdown.
  std::uint64_t driver_wakes = 0;
};

/// Owns a scheduler (Flavor), its worker threads, the blocking pool, the timers and the I/O
/// driver (a pollux::Poll). Move-only; destroying it shuts it down.
class POLLUX_EXEC_API Runtime {
 public:
  /// Starts the workers (multi_thread) and prepares the blocking pool. On failure
  /// (threads could not be started) returns an empty Runtime and sets `ec`.
  static Runtime create(const RuntimeOptions& options, std::error_code& ec) noexcept;

  Runtime() noexcept = default;
  ///@{
  /// Movable: the runtime moves; the moved-from Runtime is empty.
  Runtime(Runtime&& other) noexcept : scheduler_(std::exchange(other.scheduler_, nullptr)) {}
  Runtime& operator=(Runtime&& other) noexcept;
  ///@}
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;
  /// Shuts down (see shutdown()).
  ~Runtime();

  /// False for an empty Runtime (default-made, moved from, or failed to create).
  bool valid() const noexcept { return scheduler_ != nullptr; }

  /// Schedules `task`; it starts on a worker (multi_thread) or inside the next block_on
  /// (current_thread). An empty task completes at once with std::errc::invalid_argument.
  template <class T>
  JoinHandle<T> spawn(Task<T> task) {
    return Handle::spawn_on(scheduler_, std::move(task));
  }

  /// Runs `fn()` on the blocking pool, for calls that block or take long.
  template <class F, class R = std::invoke_result_t<std::decay_t<F>&>>
  JoinHandle<R> spawn_blocking(F&& fn) {
    return Handle::spawn_blocking_on(scheduler_, std::forward<F>(fn));
  }

  /// Spawns `task` and waits for it on this thread: current_thread runs its tasks here
  /// meanwhile. Returns its value or rethrows its exception; a runtime that was shut
  /// down, before or during the wait (from another thread), reports
  /// std::system_error(operation_canceled). Calling it from a task of the same runtime
  /// blocks that worker, and on a current_thread runtime waits for another block_on to
  /// finish driving first.
  template <class T>
  T block_on(Task<T> task) {
    return Handle::block_on_with(scheduler_, std::move(task));
  }

  /// A copyable reference to this runtime, usable from any thread and after the runtime
  /// is gone (see <pollux/exec/handle.hpp>). Empty for an empty Runtime.
  Handle handle() const noexcept;

  /// Stops the workers, drops every unfinished task (destroying its coroutine frame;
  /// its joiners see operation_canceled), cancels queued blocking calls and waits for
  /// the running ones. Idempotent. From a thread of this runtime it does nothing and
  /// returns std::errc::resource_deadlock_would_occur.
  [[nodiscard]] std::error_code shutdown() noexcept;
  /// True once shutdown() ran (or for an empty Runtime).
  bool is_shut_down() const noexcept;

  /// The scheduler it was created with.
  Flavor flavor() const noexcept;
  /// The threads that run tasks: a multi_thread runtime's workers (0 in the options
  /// resolved to the hardware's count), 1 for current_thread, 0 for an empty Runtime.
  unsigned workers() const noexcept;
  /// A snapshot of the counters, summed over the workers.
  RuntimeStats stats() const noexcept;

  /// Spawns onto the given scheduler; empty schedulers give a cancelled handle.
  template <class T>
  static JoinHandle<T> spawn_on(detail::Scheduler* scheduler, Task<T> task) {
    return Handle::spawn_on(scheduler, std::move(task));
  }

 private:
  explicit Runtime(detail::Scheduler* s) noexcept : scheduler_(s) {}
  // Holds one of the scheduler's references (Handles hold the others).
  detail::Scheduler* scheduler_ = nullptr;
};

/// Spawns onto the runtime running the calling task (tokio::spawn). Outside any runtime
/// the handle completes at once as cancelled.
template <class T>
JoinHandle<T> spawn(Task<T> task) {
  return Runtime::spawn_on(detail::current_scheduler(), std::move(task));
}

}  // namespace pollux::exec
