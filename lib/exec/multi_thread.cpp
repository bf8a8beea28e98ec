// SPDX-License-Identifier: MIT
#include "multi_thread.hpp"

#include <algorithm>
#include <array>
#include <chrono>

#include "spin_lock.hpp"
#include "task_state.hpp"
#include "thread_waiter.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

namespace {

// How often a worker looks at the injection queue before its own, so that a worker
// with a steady local load does not starve remote work (tokio uses the same prime).
constexpr std::uint32_t kGlobalQueueInterval = 61;
// A chain of tasks waking each other through the LIFO slot could hold the worker
// forever; after this many the next one goes to the back of the queue.
constexpr int kMaxLifoPolls = 3;
// Tasks run between two looks at the I/O driver and timers by a busy worker (tokio's
// event_interval), so that readiness and timers progress when nobody is idle.
constexpr std::uint32_t kEventInterval = 61;
// A searcher that finds nothing looks again this many times, pausing in between, before
// it parks: about 10 µs in all. Parking and being woken cost two system calls and two
// context switches, and a worker feeding another with short tasks (a spawn loop, a
// chain) had it park and be woken again every hundred tasks. It goes on only while some
// other worker runs tasks: with none, nothing can appear in a queue but through the
// driver or another thread, which wake a parked worker anyway, and the spin would only
// take the CPU from the peer it waits for (a lone worker's echo client, on 2 cores).
constexpr int kSearchRounds = 32;
constexpr int kPausesPerRound = 16;
// How often a worker blocked in a nested block_on looks for a shutdown.
constexpr std::chrono::milliseconds kStopCheck{10};

}  // namespace

MultiThread::MultiThread(const RuntimeOptions& options, unsigned workers)
    : Scheduler(options), idle_(workers) {
  workers_.reserve(workers);
  for (unsigned i = 0; i < workers; ++i) {
    auto w = std::make_unique<Worker>();
    w->index = i;
    w->rng = 0x9E3779B9u * (i + 1);
    w->ctx.scheduler = this;
    w->ctx.core = w.get();
    workers_.push_back(std::move(w));
  }
}

MultiThread::~MultiThread() { (void)shutdown(); }

std::error_code MultiThread::start() noexcept {
  for (auto& w : workers_) {
    try {
      Worker* worker = w.get();
      w->thread = std::thread([this, worker] { worker_main(*worker); });
    } catch (const std::system_error& e) {
      (void)shutdown();
      return e.code();
    }
  }
  return {};
}

bool MultiThread::on_own_thread() const noexcept {
  const Context* ctx = current_context();
  return ctx != nullptr && ctx->scheduler == this;
}

RuntimeStats MultiThread::stats() const noexcept {
  RuntimeStats s;
  for (const auto& w : workers_) {
    s.tasks_run += w->tasks_run.value.load(std::memory_order_relaxed);
    s.steal_operations += w->steal_operations.value.load(std::memory_order_relaxed);
    s.tasks_stolen += w->tasks_stolen.value.load(std::memory_order_relaxed);
    s.parks += w->parks.value.load(std::memory_order_relaxed);
    s.overflows += w->overflows.value.load(std::memory_order_relaxed);
  }
  return s;
}

void MultiThread::worker_main(Worker& w) noexcept {
  ContextGuard guard(&w.ctx);
  thread_started();
  while (!stopping_.load(std::memory_order_acquire)) {
    if (TaskHeader* task = next_task(w)) {
      run(w, task);
      if (w.tick % kEventInterval == 0) w.park.poll_events();
    } else if (TaskHeader* found = search(w)) {
      run(w, found);
    } else {
      park(w);
    }
  }
  release_worker_queue(w);
  thread_stopping();
}

TaskHeader* MultiThread::next_task(Worker& w) noexcept {
  if (w.lifo != nullptr) return std::exchange(w.lifo, nullptr);
  ++w.tick;
  if (w.tick % kGlobalQueueInterval == 0) {
    if (TaskHeader* task = inject_.pop()) return task;
  }
  if (TaskHeader* task = w.queue.pop()) return task;
  if (inject_.is_empty()) return nullptr;
  // Our queue is empty: take a fair share of the remote work in one lock.
  const std::size_t share = std::min<std::size_t>(inject_.len() / workers_.size() + 1,
                                                  LocalQueue::kCapacity / 2);
  std::array<TaskHeader*, LocalQueue::kCapacity / 2> batch;
  const std::size_t n = inject_.pop_n(share, [&, i = std::size_t{0}](TaskHeader* t) mutable {
    batch[i++] = t;
  });
  // Pushed outside the injection lock: an overflow would need it. Empty queue and at
  // most half its capacity, so this cannot overflow anyway.
  for (std::size_t i = 1; i < n; ++i) push_local(w, batch[i]);
  return n > 0 ? batch[0] : nullptr;
}

TaskHeader* MultiThread::steal_work(Worker& w) noexcept {
  if (!w.searching) {
    if (!idle_.transition_worker_to_searching()) return nullptr;
    w.searching = true;
  }
  const std::size_t n = workers_.size();
  w.rng ^= w.rng << 13;
  w.rng ^= w.rng >> 17;
  w.rng ^= w.rng << 5;
  const std::size_t start = w.rng % n;
  for (std::size_t i = 0; i < n; ++i) {
    Worker& victim = *workers_[(start + i) % n];
    if (&victim == &w) continue;
    std::uint32_t moved = 0;
    if (TaskHeader* task = victim.queue.steal_into(w.queue, moved)) {
      w.steal_operations.inc();
      w.tasks_stolen.inc(moved);
      return task;
    }
  }
  return inject_.pop();
}

TaskHeader* MultiThread::search(Worker& w) noexcept {
  if (TaskHeader* task = steal_work(w)) return task;
  // Only searchers keep looking (at most half the workers), so most workers of a large
  // idle runtime park at once.
  for (int round = 0; round < kSearchRounds && w.searching && idle_.has_running_worker();
       ++round) {
    for (int i = 0; i < kPausesPerRound; ++i) cpu_relax();
    if (TaskHeader* task = next_task(w)) return task;
    if (TaskHeader* task = steal_work(w)) return task;
  }
  return nullptr;
}

void MultiThread::run(Worker& w, TaskHeader* task) noexcept {
  if (w.searching) {
    w.searching = false;
    // The last searcher found work: wake a sleeper to keep looking for more.
    if (idle_.transition_worker_from_searching()) notify_parked();
  }
  w.ctx.budget = kCoopBudget;
  run_task(task);
  w.tasks_run.inc();
  for (int lifo_polls = 0; w.lifo != nullptr; ++lifo_polls) {
    TaskHeader* next = std::exchange(w.lifo, nullptr);
    if (w.ctx.budget <= 0 || lifo_polls >= kMaxLifoPolls) {
      push_local(w, next);
      notify_parked();
      return;
    }
    run_task(next);
    w.tasks_run.inc();
  }
}

void MultiThread::park(Worker& w) noexcept {
  if (w.lifo != nullptr || w.queue.has_tasks()) return;
  const bool last_searcher = idle_.transition_worker_to_parked(w.index, w.searching);
  w.searching = false;
  if (last_searcher) notify_if_work_pending();
  while (!stopping_.load(std::memory_order_acquire)) {
    w.parks.inc();
    w.park.park();
    if (w.lifo != nullptr || w.queue.has_tasks()) {
      // The I/O driver or a timer woke tasks on this thread while it waited in the
      // driver: they are ours to run, and others may steal the rest.
      w.searching = !idle_.unpark_worker_by_id(w.index);
      if (w.queue.has_tasks()) notify_parked();
      return;
    }
    // Taken off the sleeper list by a notifier, who counted us as searching.
    if (!idle_.is_parked(w.index)) {
      w.searching = true;
      return;
    }
  }
}

void MultiThread::push_local(Worker& w, TaskHeader* task) noexcept {
  if (w.queue.push_back_or_overflow(task, inject_)) w.overflows.inc();
}

void MultiThread::schedule_local(Worker& w, TaskHeader* task, bool is_yield) noexcept {
  if (is_yield) {
    push_local(w, task);
  } else {
    TaskHeader* prev = std::exchange(w.lifo, task);
    // Only work in the queue can be stolen: a task that merely sits in the LIFO slot
    // is not worth waking anyone for.
    if (prev == nullptr) return;
    push_local(w, prev);
  }
  notify_parked();
}

void MultiThread::schedule(TaskHeader* task, bool is_yield) noexcept {
  const Context* ctx = current_context();
  if (ctx != nullptr && ctx->scheduler == this && ctx->core != nullptr &&
      !stopping_.load(std::memory_order_relaxed)) {
    schedule_local(*static_cast<Worker*>(ctx->core), task, is_yield);
    return;
  }
  if (!inject_.push(task)) {
    drop_queue_entry(task);  // shut down
    return;
  }
  notify_parked();
}

void MultiThread::notify_parked() noexcept {
  auto worker = idle_.worker_to_notify();
  if (!worker) return;
  Worker& w = *workers_[*worker];
  // A worker stays on the idle list while it runs the driver's turn, so the worker
  // picked can be this very thread, scheduling a task that the turn woke.
  const Context* ctx = current_context();
  if (ctx != nullptr && ctx->core == &w) {
    w.park.unpark_self();
  } else {
    w.park.unpark();
  }
}

void MultiThread::notify_if_work_pending() noexcept {
  // Pairs with the fence a publisher runs before reading the idle counts.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  for (const auto& w : workers_) {
    if (w->queue.has_tasks()) {
      notify_parked();
      return;
    }
  }
  if (!inject_.is_empty()) notify_parked();
}

void MultiThread::block_until_complete(TaskHeader* task) noexcept {
  ThreadWaiter waiter(task);
  const Context* ctx = current_context();
  if (ctx == nullptr || ctx->scheduler != this || ctx->core == nullptr) {
    // Not a worker: shutdown cancels the task, and that wakes us.
    waiter.wait();
    return;
  }
  // A task blocks its worker. The task it just spawned sits in the LIFO slot, where no
  // other worker can take it: move it to the queue, which they steal from.
  Worker& w = *static_cast<Worker*>(ctx->core);
  if (w.lifo != nullptr) {
    push_local(w, std::exchange(w.lifo, nullptr));
    notify_parked();
  }
  // Shutdown joins this thread before it cancels any task, so nothing would wake us:
  // look at stopping_ now and then, and leave the task unfinished (block_on reports it
  // as cancelled; the outer task then suspends or ends, and the worker stops).
  while (!waiter.wait_for(kStopCheck)) {
    if (stopping_.load(std::memory_order_acquire)) return;
  }
}

void MultiThread::release_worker_queue(Worker& w) noexcept {
  if (w.lifo != nullptr) drop_queue_entry(std::exchange(w.lifo, nullptr));
  while (TaskHeader* task = w.queue.pop()) drop_queue_entry(task);
}

void MultiThread::stop() noexcept {
  stopping_.store(true, std::memory_order_release);
  for (auto& w : workers_) w->park.unpark();
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
  drain_queues();
}

void MultiThread::drain_queues() noexcept {
  TaskHeader* task = inject_.close();
  while (task != nullptr) {
    TaskHeader* next = task->queue_next;
    drop_queue_entry(task);
    task = next;
  }
  for (auto& w : workers_) release_worker_queue(*w);
}

}  // namespace pollux::exec::detail
