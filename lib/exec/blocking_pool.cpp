// SPDX-License-Identifier: MIT
#include "blocking_pool.hpp"

#include <algorithm>
#include <array>
#include <system_error>

#include "context.hpp"
#include "scheduler.hpp"
#include "task_state.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

BlockingPool::BlockingPool(Scheduler* owner,
                           unsigned max_threads,
                           std::chrono::milliseconds keep_alive) noexcept
    : owner_(owner),
      max_threads_(std::max(1u, max_threads)),
      keep_alive_(keep_alive > std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::nanoseconds::max())
                      ? std::chrono::nanoseconds::max()
                      : std::chrono::nanoseconds(keep_alive)) {}

BlockingPool::~BlockingPool() { shutdown(); }

void BlockingPool::reap_finished_locked(std::vector<std::thread>& out) noexcept {
  for (const std::thread::id id : finished_) {
    auto it = std::find_if(running_.begin(), running_.end(),
                           [id](const std::thread& t) { return t.get_id() == id; });
    if (it != running_.end()) {
      out.push_back(std::move(*it));
      running_.erase(it);
    }
  }
  finished_.clear();
}

UnparkHandle BlockingPool::claim_idle_locked() noexcept {
  IdleThread* thread = idle_;
  if (thread == nullptr) return UnparkHandle();
  idle_ = thread->next;
  // The last access to *thread: once unpark_lock() has run, the thread may wake and
  // leave the frame that holds it.
  return thread->parker.unpark_lock();
}

void BlockingPool::unlist_idle_locked(IdleThread& thread) noexcept {
  for (IdleThread** link = &idle_; *link != nullptr; link = &(*link)->next) {
    if (*link == &thread) {
      *link = thread.next;
      return;
    }
  }
}

bool BlockingPool::submit(TaskHeader* task) noexcept {
  std::vector<std::thread> to_join;
  UnparkHandle wake;
  {
    std::lock_guard lock(mutex_);
    if (shutdown_) return false;
    task->queue_next = nullptr;
    if (tail_ != nullptr) {
      tail_->queue_next = task;
    } else {
      head_ = task;
    }
    tail_ = task;
    reap_finished_locked(to_join);
    if (idle_ != nullptr) {
      wake = claim_idle_locked();
    } else if (threads_ < max_threads_) {
      try {
        running_.emplace_back([this] { thread_main(); });
        ++threads_;
      } catch (const std::system_error&) {
        // No new thread: the existing ones will get to it; with none, nobody would.
        if (threads_ == 0) {
          head_ = tail_ = nullptr;
          return false;
        }
      }
    }
  }
  wake.unpark();
  for (std::thread& t : to_join) t.join();
  return true;
}

void BlockingPool::thread_main() noexcept {
  Context ctx;
  ctx.scheduler = owner_;
  ContextGuard guard(&ctx);
  owner_->thread_started();
  std::unique_lock lock(mutex_);
  for (;;) {
    if (head_ != nullptr) {
      TaskHeader* task = head_;
      head_ = task->queue_next;
      if (head_ == nullptr) tail_ = nullptr;
      lock.unlock();
      run_task(task);
      lock.lock();
      continue;
    }
    if (shutdown_) break;
    IdleThread me;
    me.parker.prepare_park();
    me.next = idle_;
    idle_ = &me;
    lock.unlock();
    const bool unparked = me.parker.park_for(keep_alive_);
    lock.lock();
    // Still listed: nobody claimed this thread, so nothing queued counts on it.
    if (!unparked && me.parker.timed_out()) {
      unlist_idle_locked(me);
      if (head_ == nullptr && !shutdown_) break;
    }
  }
  --threads_;
  if (!shutdown_) finished_.push_back(std::this_thread::get_id());
  lock.unlock();
  // Whoever reaps this thread (a submit, or shutdown) joins it, so the hook has
  // returned before the runtime is gone.
  owner_->thread_stopping();
}

void BlockingPool::shutdown() noexcept {
  TaskHeader* queued;
  std::list<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    shutdown_ = true;
    queued = std::exchange(head_, nullptr);
    tail_ = nullptr;
    threads.swap(running_);
    finished_.clear();
  }
  // Idle threads are woken in batches, each after the lock is released; none lists
  // itself any more once it has seen shutdown_.
  for (;;) {
    std::array<UnparkHandle, 16> batch;
    std::size_t n = 0;
    {
      std::lock_guard lock(mutex_);
      while (n < batch.size() && idle_ != nullptr) batch[n++] = claim_idle_locked();
    }
    if (n == 0) break;
    for (std::size_t i = 0; i < n; ++i) batch[i].unpark();
  }
  while (queued != nullptr) {
    TaskHeader* next = queued->queue_next;
    cancel_task(queued);
    queued = next;
  }
  for (std::thread& t : threads) t.join();
}

}  // namespace pollux::exec::detail
