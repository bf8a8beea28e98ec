// SPDX-License-Identifier: MIT
#pragma once
// The shared part of every spawned unit of work (a coroutine task or a blocking call):
// one atomic word of state and reference count, in the manner of tokio's task header.
//
// State bits (the low kRefShift bits; the rest is the reference count):
//   RUNNING        a thread is running it; wakes only set NOTIFIED
//   COMPLETE       finished (value, exception or cancelled); the output is readable
//   NOTIFIED       scheduled: while not RUNNING, exactly one queue entry refers to it
//   CANCELLED      abort() or shutdown asked for it to be dropped
//   JOIN_INTEREST  a JoinHandle still exists
//   JOIN_WAKER     the JoinHandle stored a waker; whoever clears the bit owns the slot
// References: the JoinHandle, the scheduler's owned-task list (from the first time the
// task waits; see lib/exec/owned_tasks.hpp), each queue entry (the running thread holds
// the entry's), and each Waker.

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <new>
#include <system_error>
#include <type_traits>
#include <utility>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/waker.hpp>
#include <pollux/exec/join_result.hpp>
#include <pollux/exec/task.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

class Scheduler;
struct TaskHeader;

struct TaskVtable {
  // Runs the work until it suspends; true once it has finished and stored its output
  // (its coroutine frame or function is then already destroyed).
  bool (*poll)(TaskHeader*) noexcept;
  // Destroys the work without running it further.
  void (*drop_future)(TaskHeader*) noexcept;
  void (*dealloc)(TaskHeader*) noexcept;
  // Where the outcome is kept: the std::optional<T> holding the value (null for
  // T = void) when it is Outcome::value; the std::exception_ptr for Outcome::exception.
  void* (*output)(TaskHeader*) noexcept;
};

enum class Outcome : std::uint8_t { pending, value, exception, error, taken };

struct POLLUX_EXEC_API TaskHeader {
  static constexpr std::uint64_t kRunning = 1;
  static constexpr std::uint64_t kComplete = 2;
  static constexpr std::uint64_t kNotified = 4;
  static constexpr std::uint64_t kCancelled = 8;
  static constexpr std::uint64_t kJoinInterest = 16;
  static constexpr std::uint64_t kJoinWaker = 32;
  static constexpr int kRefShift = 6;
  static constexpr std::uint64_t kRefOne = std::uint64_t{1} << kRefShift;

  TaskHeader(const TaskVtable* vt, std::uint64_t refs) noexcept
      : state(kNotified | kJoinInterest | refs * kRefOne), vtable(vt) {}
  TaskHeader(const TaskHeader&) = delete;
  TaskHeader& operator=(const TaskHeader&) = delete;
  // Cells are deleted as their own type, so the size is the derived one.
  static void* operator new(std::size_t size) { return cell_allocate(size); }
  static void operator delete(void* p, std::size_t size) noexcept { cell_deallocate(p, size); }

  bool is_complete() const noexcept {
    return (state.load(std::memory_order_acquire) & kComplete) != 0;
  }
  // Joiner side. false: the task completed first (the waker is dropped).
  bool set_join_waker(Waker waker) noexcept;
  // The JoinHandle goes away: no more interest in the output; drops its reference.
  void drop_join_handle() noexcept;
  // Requests cancellation; a task that already completed is unaffected.
  void abort() noexcept;
  void ref_inc() noexcept { state.fetch_add(kRefOne, std::memory_order_relaxed); }
  void ref_dec() noexcept;
  // The joiner's awaiter goes away with its waker still stored (a select or timeout
  // dropped the wait): the slot is freed, unless the task completed and its completer
  // owns the waker already.
  void clear_join_waker() noexcept;
  // After COMPLETE, once: what the task left, marked taken (Outcome::value and
  // Outcome::exception: the caller moves it out of vtable->output(); Outcome::error: see
  // `error`). Before COMPLETE, or taken already: Outcome::taken.
  Outcome take_outcome() noexcept;
  void set_error(std::errc e) noexcept {
    outcome = Outcome::error;
    error = static_cast<std::int16_t>(e);
  }

  // The header is kept to one cache line: a benchmark that keeps a million tasks alive
  // is bound by the memory it touches, and tokio's header is as small.
  std::atomic<std::uint64_t> state;
  const TaskVtable* vtable;
  Scheduler* scheduler = nullptr;
  TaskHeader* queue_next = nullptr;
  // Where the task continues: the innermost suspended coroutine of its await chain.
  std::coroutine_handle<> resume_point;
  Waker join_waker;
  // The task's entry in its scheduler's owned-task list (lib/exec/owned_tasks.hpp).
  // Atomic only because a queue entry dropped at shutdown may ask while the sweep takes
  // the task (relaxed: the answer just picks who cancels it, and both may).
  static constexpr std::uint32_t kNotOwned = 0xffffffff;
  std::atomic<std::uint32_t> owned_slot{kNotOwned};
  // Outcome::error's std::errc: errno values, all well below 2^15.
  std::int16_t error = 0;
  Outcome outcome = Outcome::pending;
  // A spawned coroutine (SpawnedTask): its top frame follows the header's block at
  // kFramePrefix. When the task finishes, the frame is destroyed (its locals and
  // parameters go at once) and its value or exception is moved into the frame's memory,
  // which stays until the last reference goes.
  enum class Frame : std::uint8_t { none, running, value, exception, gone };
  Frame frame_state = Frame::none;
};

// For awaitables that know the runtime. Inside a task: records `h` as where the task
// resumes and returns a Waker that reschedules it. Outside any task: a Waker that
// resumes `h` on the waking thread.
POLLUX_EXEC_API Waker suspend_current(std::coroutine_handle<> h) noexcept;
// Reschedules the current task behind the others and records `h`; false outside a task
// (there is nothing to yield to: the caller continues at once).
POLLUX_EXEC_API bool yield_current(std::coroutine_handle<> h) noexcept;
// The cooperative budget of the current task (always available outside tasks). An
// awaitable that would complete at once consumes one unit; with none left it yields.
POLLUX_EXEC_API bool coop_has_budget() noexcept;
POLLUX_EXEC_API void coop_consume() noexcept;
// Both in one call (the hot path of every await that completes at once): true, having
// spent a unit, when there was one; false, spending nothing, when the task must yield.
POLLUX_EXEC_API bool coop_try_consume() noexcept;

// What a JoinHandle<T> points at, whatever produces the T.
template <class T>
struct OutputCell : TaskHeader {
  using TaskHeader::TaskHeader;
  JoinResult<T> take_result() noexcept(std::is_void_v<T> || std::is_nothrow_move_constructible_v<T>) {
    switch (take_outcome()) {
      case Outcome::value:
        if constexpr (std::is_void_v<T>) {
          return JoinResult<T>::completed();
        } else {
          return JoinResult<T>::completed(
              std::move(**static_cast<std::optional<T>*>(vtable->output(this))));
        }
      case Outcome::exception:
        return JoinResult<T>::failed(
            std::move(*static_cast<std::exception_ptr*>(vtable->output(this))));
      case Outcome::error:
        return JoinResult<T>::from_error(static_cast<std::errc>(error));
      case Outcome::pending:
      case Outcome::taken:
        break;
    }
    return JoinResult<T>::from_error(std::errc::invalid_argument);
  }
};

// The vtable of a spawned Task<T>, whose header lives in its frame's prefix.
template <class T>
struct SpawnedTask {
  using Handle = std::coroutine_handle<TaskPromise<T>>;
  static_assert(sizeof(OutputCell<T>) + 8 <= kFramePrefix, "the header must fit the prefix");
  static_assert(sizeof(std::exception_ptr) <= sizeof(TaskPromiseBase));
  static_assert(alignof(std::optional<std::conditional_t<std::is_void_v<T>, int, T>>) <= 16,
                "over-aligned results are not supported");

  static void* frame_of(TaskHeader* h) noexcept {
    return reinterpret_cast<unsigned char*>(h) + kFramePrefix;
  }

  static bool poll(TaskHeader* h) noexcept {
    h->resume_point.resume();
    void* frame = frame_of(h);
    const Handle top = Handle::from_address(frame);
    if (!top.done()) return false;
    auto& promise = top.promise();
    // The frame's memory outlives the frame (the header is in its prefix) and is at
    // least as large as the promise, which holds an exception_ptr and an optional<T>:
    // the outcome moves there.
    if (promise.exception_) {
      std::exception_ptr e = std::move(promise.exception_);
      top.destroy();
      ::new (frame) std::exception_ptr(std::move(e));
      h->outcome = Outcome::exception;
      h->frame_state = TaskHeader::Frame::exception;
    } else if constexpr (std::is_void_v<T>) {
      h->outcome = Outcome::value;
      top.destroy();
      h->frame_state = TaskHeader::Frame::gone;
    } else {
      std::optional<T> value = std::move(promise.value_);
      top.destroy();
      ::new (frame) std::optional<T>(std::move(value));
      h->outcome = Outcome::value;
      h->frame_state = TaskHeader::Frame::value;
    }
    return true;
  }
  static void drop_future(TaskHeader* h) noexcept {
    if (h->frame_state == TaskHeader::Frame::running) Handle::from_address(frame_of(h)).destroy();
    h->frame_state = TaskHeader::Frame::gone;
    h->set_error(std::errc::operation_canceled);
  }
  static void dealloc(TaskHeader* h) noexcept {
    void* frame = frame_of(h);
    const TaskHeader::Frame state = h->frame_state;
    static_cast<OutputCell<T>*>(h)->~OutputCell();
    if constexpr (!std::is_void_v<T>) {
      if (state == TaskHeader::Frame::value) static_cast<std::optional<T>*>(frame)->~optional();
    }
    if (state == TaskHeader::Frame::exception) {
      static_cast<std::exception_ptr*>(frame)->~exception_ptr();
    }
    frame_detach_header(frame);  // frees the block unless the frame still runs
    if (state == TaskHeader::Frame::running) Handle::from_address(frame).destroy();
  }
  static void* output(TaskHeader* h) noexcept {
    const auto state = h->frame_state;
    return state == TaskHeader::Frame::value || state == TaskHeader::Frame::exception
               ? frame_of(h)
               : nullptr;
  }
  static constexpr TaskVtable kVtable{&poll, &drop_future, &dealloc, &output};

  // Builds the header in front of `task`'s frame; the task is taken over.
  static OutputCell<T>* attach(std::coroutine_handle<TaskPromise<T>> top) noexcept {
    auto* cell = ::new (frame_attach_header(top.address())) OutputCell<T>(&kVtable, 2);
    cell->frame_state = TaskHeader::Frame::running;
    cell->resume_point = top;
    return cell;
  }
};

// An empty Task<T> spawned: a header alone, completed at once with invalid_argument.
template <class T>
struct EmptyTask {
  static bool poll(TaskHeader*) noexcept { return true; }
  static void drop_future(TaskHeader* h) noexcept { h->set_error(std::errc::invalid_argument); }
  static void dealloc(TaskHeader* h) noexcept { delete static_cast<OutputCell<T>*>(h); }
  static void* output(TaskHeader*) noexcept { return nullptr; }
  static constexpr TaskVtable kVtable{&poll, &drop_future, &dealloc, &output};
};

template <class R, class F>
class BlockingCell final : public OutputCell<R> {
 public:
  explicit BlockingCell(F&& fn) : OutputCell<R>(&kVtable, 2), fn_(std::move(fn)) {}

 private:
  struct Nothing {};
  static bool poll(TaskHeader* h) noexcept {
    auto* self = static_cast<BlockingCell*>(h);
    try {
      if constexpr (std::is_void_v<R>) {
        (*self->fn_)();
      } else {
        self->out_.emplace((*self->fn_)());
      }
      h->outcome = Outcome::value;
    } catch (...) {
      self->exception_ = std::current_exception();
      h->outcome = Outcome::exception;
    }
    self->fn_.reset();
    return true;
  }
  static void drop_future(TaskHeader* h) noexcept {
    static_cast<BlockingCell*>(h)->fn_.reset();
    h->set_error(std::errc::operation_canceled);
  }
  static void dealloc(TaskHeader* h) noexcept { delete static_cast<BlockingCell*>(h); }
  static void* output(TaskHeader* h) noexcept {
    auto* self = static_cast<BlockingCell*>(h);
    // Asked after take_outcome() has marked the outcome taken: which slot holds it is
    // told by the exception itself (set only when the call threw).
    if (self->exception_ != nullptr) return &self->exception_;
    if constexpr (std::is_void_v<R>) {
      return nullptr;
    } else {
      return &self->out_;
    }
  }
  static constexpr TaskVtable kVtable{&poll, &drop_future, &dealloc, &output};

  std::optional<F> fn_;
  std::exception_ptr exception_;
  std::conditional_t<std::is_void_v<R>, Nothing, std::optional<R>> out_;
};

}  // namespace pollux::exec::detail
