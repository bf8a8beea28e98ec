// SPDX-License-Identifier: MIT
// Model of the task state machine (lib/exec/task_state.cpp and TaskHeader's joiner side,
// compiled here as they ship), with Relacy. The scheduler around it is the model's own:
// a queue that two worker threads run tasks from (Scheduler::schedule pushes to it),
// an owned-task list that only counts, and no thread context (run_task allows none).
// Tasks are allocated through Relacy, so a reference counted wrong shows as a leak, a
// double free or an access to freed memory.
//
// The checks (two workers, so that a task woken while it runs could be run twice at once):
// - wake_join: the first poll hands a Waker to another thread and returns pending; that
//   thread wakes it (while it still runs, or after); the second poll finishes with a
//   value. A joiner stores its waker (racing with completion), is woken, reads the value
//   and drops its handle. Every poll runs alone, the value is seen, the task is freed once.
// - abort: the same task is aborted by a third thread instead of woken (while queued,
//   running or idle); it completes cancelled, its future dropped once, never polled after.
// - join_dropped: the JoinHandle stores its waker and is dropped while the task completes;
//   whoever clears JOIN_WAKER drops the waker, and the task is still freed once.

#include "model_run.hpp"

#include MODEL_SOURCE

#include "mailbox.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

// The model's scheduler: a queue of task entries under a Relacy mutex.
class ModelScheduler final : public Scheduler {
 public:
  ModelScheduler() noexcept : Scheduler(RuntimeOptions{}) {}

  void schedule(TaskHeader* task, bool) noexcept override {
    lock_.lock($);
    RL_ASSERT(size_ < kSlots);
    slots_[(head_ + size_++) % kSlots] = task;
    ready_.notify_one($);
    lock_.unlock($);
  }
  // Blocks for the next entry; null once closed and empty.
  TaskHeader* next() noexcept {
    lock_.lock($);
    while (size_ == 0 && !closed_) ready_.wait(lock_, $);
    TaskHeader* task = nullptr;
    if (size_ != 0) {
      task = slots_[head_];
      head_ = (head_ + 1) % kSlots;
      --size_;
    }
    lock_.unlock($);
    return task;
  }
  void close() noexcept {
    lock_.lock($);
    closed_ = true;
    ready_.notify_all($);
    lock_.unlock($);
  }

  void block_until_complete(TaskHeader*) noexcept override { RL_ASSERT(false); }
  Flavor flavor() const noexcept override { return Flavor::multi_thread; }
  unsigned workers() const noexcept override { return 2; }
  RuntimeStats stats() const noexcept override { return {}; }
  bool on_own_thread() const noexcept override { return true; }

 private:
  void stop() noexcept override {}
  void drain_queues() noexcept override {}

  static constexpr unsigned kSlots = 8;
  model::RlMutex lock_;
  rl::condition_variable ready_;
  TaskHeader* slots_[kSlots] = {};
  unsigned head_ = 0;
  unsigned size_ = 0;
  bool closed_ = false;
};

// What the real scheduler.cpp, blocking_pool.cpp, owned_tasks.cpp and frame_pool.cpp
// define, reduced to what task_state.cpp asks of them. current_context() is inline
// (context.hpp): no model thread installs a Context, so it answers null, as it did here.
Scheduler::Scheduler(const RuntimeOptions&) : blocking_(this, 0, {}) {}
BlockingPool::BlockingPool(Scheduler* owner, unsigned max_threads,
                           std::chrono::milliseconds keep_alive) noexcept
    : owner_(owner), max_threads_(max_threads), keep_alive_(keep_alive) {}
BlockingPool::~BlockingPool() = default;
std::errc OwnedTasks::insert(TaskHeader* task) noexcept {
  task->owned_slot.store(0, std::memory_order_relaxed);
  return {};
}
bool OwnedTasks::remove(TaskHeader* task) noexcept {
  return task->owned_slot.exchange(TaskHeader::kNotOwned, std::memory_order_relaxed) !=
         TaskHeader::kNotOwned;
}
void* cell_allocate(std::size_t size) { return ::operator new(size); }
void cell_deallocate(void* p, std::size_t) noexcept { ::operator delete(p); }

}  // namespace pollux::exec::detail

namespace model {

using pollux::exec::detail::ModelScheduler;
using pollux::exec::detail::run_task;
using pollux::exec::detail::TaskHeader;
using pollux::exec::detail::TaskVtable;

// A task whose first poll gives a Waker away (to `wakes`) and waits, and whose second
// finishes with 42.
struct Task : TaskHeader {
  explicit Task(Mailbox* wakes);
  Mailbox* wakes;
  rl::var<int> polls;        // also proves that no two polls overlap
  rl::var<int> value;        // the output: written before COMPLETE, read after
  rl::var<int> drops;        // drop_future calls

  static bool poll(TaskHeader* h) noexcept {
    auto* t = static_cast<Task*>(h);
    const int n = t->polls($);
    t->polls($) = n + 1;
    if (n == 0) {
      t->wakes->put(pollux::exec::detail::task_waker(h));
      return false;
    }
    t->value($) = 42;
    t->outcome = pollux::exec::detail::Outcome::value;
    return true;
  }
  static void drop_future(TaskHeader* h) noexcept {
    auto* t = static_cast<Task*>(h);
    t->drops($) = t->drops($) + 1;
    h->set_error(std::errc::operation_canceled);
  }
  // The last reference is gone: the workers may stop once the queue is empty.
  static void dealloc(TaskHeader* h) noexcept {
    static_cast<ModelScheduler*>(h->scheduler)->close();
    delete static_cast<Task*>(h);
  }
  static void* output(TaskHeader*) noexcept { return nullptr; }
  static constexpr TaskVtable kVtable{&poll, &drop_future, &dealloc, &output};
};

Task::Task(Mailbox* w) : TaskHeader(&kVtable, 2), wakes(w) {
  polls($) = 0;
  value($) = 0;
  drops($) = 0;
}

template <class Derived>
struct TaskSuite : rl::test_suite<Derived, 4> {
  ModelScheduler scheduler;
  Mailbox wakes;   // the Waker the first poll gives away
  Mailbox joined;  // the joiner's own waker
  Task* task = nullptr;

  void before() {
    task = new Task(&wakes);  // two references: the JoinHandle and this queue entry
    task->scheduler = &scheduler;
    scheduler.schedule(task, false);
  }
  // Threads 0 and 1 are workers; 2 runs Derived::other(), 3 Derived::handle().
  void thread(unsigned index) {
    auto* self = static_cast<Derived*>(this);
    if (index < 2) {
      while (TaskHeader* t = scheduler.next()) run_task(t);
    } else if (index == 2) {
      self->other();
    } else {
      self->handle();
    }
  }
  // The JoinHandle's side: awaits the output, checks it, lets go of the task.
  void handle() {
    if (task->set_join_waker(joined.waker_to())) joined.wait_woken();
    RL_ASSERT(task->is_complete());
    static_cast<Derived*>(this)->check_output();
    task->drop_join_handle();
    // The task may outlive this (a Waker of it still held), but needs no worker any more.
    scheduler.close();
  }
  // Wakes the task with the Waker its first poll gave away.
  void other() { wakes.take().wake(); }
};

struct WakeJoin : TaskSuite<WakeJoin> {
  void check_output() {
    RL_ASSERT(task->outcome == pollux::exec::detail::Outcome::value);
    RL_ASSERT(task->value($) == 42);
    RL_ASSERT(task->polls($) == 2);
  }
};

struct Abort : TaskSuite<Abort> {
  void other() { task->abort(); }
  void check_output() {
    RL_ASSERT(task->outcome == pollux::exec::detail::Outcome::error);
    RL_ASSERT(task->drops($) == 1);
    RL_ASSERT(task->polls($) <= 1);
  }
};

// The JoinHandle stores its waker and is dropped at once (its awaiting task cancelled),
// racing with the completion that may be taking the waker.
struct JoinDropped : TaskSuite<JoinDropped> {
  void handle() {
    (void)task->set_join_waker(joined.waker_to());
    task->drop_join_handle();
  }
};

}  // namespace model

int main() {
  using namespace model;
  bool ok = true;
#if !defined(MODEL_SEED)
  // Four threads with blocking waits: the context-bound search does not end in minutes,
  // so random schedules, many of them.
  ok &= check<WakeJoin>("wake_join (random)", random(200000));
  ok &= check<Abort>("abort (random)", random(200000));
  ok &= check<JoinDropped>("join_dropped (random)", random(200000));
#elif MODEL_SEED == 1
  // complete()'s CAS that sets COMPLETE loses its release half (acq_rel -> acquire): a
  // joiner that finds the task complete reads an output that was never published to it.
  // Relacy: a data race on the value.
  ok &= check<WakeJoin>("wake_join (random)", random(10000), rl::test_result_data_race);
#elif MODEL_SEED == 2
  // A wake that finds the task running drops its reference but forgets to set NOTIFIED:
  // the runner lets the task go idle and nobody polls it again. Relacy: a deadlock (the
  // joiner waits for ever).
  ok &= check<WakeJoin>("wake_join (random)", random(10000), rl::test_result_deadlock);
#endif
  return ok ? 0 : 1;
}
