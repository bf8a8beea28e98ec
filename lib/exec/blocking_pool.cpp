#include "blocking_pool.hpp"

#include <algorithm>
#include <system_error>

#include "context.hpp"
#include "task_state.hpp"

namespace pollux::exec::detail {

BlockingPool::BlockingPool(Scheduler* owner,
                           unsigned max_threads,
                           std::chrono::milliseconds keep_alive) noexcept
    : owner_(owner), max_threads_(std::max(1u, max_threads)), keep_alive_(keep_alive) {}

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

bool BlockingPool::submit(TaskHeader* task) noexcept {
  std::vector<std::thread> to_join;
  {
    std::unique_lock lock(mutex_);
    if (shutdown_) return false;
    task->queue_next = nullptr;
    if (tail_ != nullptr) {
      tail_->queue_next = task;
    } else {
      head_ = task;
    }
    tail_ = task;
    ++queued_;
    reap_finished_locked(to_join);
    if (idle_ >= queued_ || threads_ >= max_threads_) {
      work_cv_.notify_one();
    } else {
      try {
        running_.emplace_back([this] { thread_main(); });
        ++threads_;
      } catch (const std::system_error&) {
        // No new thread: the existing ones will get to it; with none, nobody would.
        if (threads_ == 0) {
          head_ = tail_ = nullptr;
          queued_ = 0;
          return false;
        }
        work_cv_.notify_one();
      }
    }
  }
  for (std::thread& t : to_join) t.join();
  return true;
}

void BlockingPool::thread_main() noexcept {
  Context ctx;
  ctx.scheduler = owner_;
  ContextGuard guard(&ctx);
  std::unique_lock lock(mutex_);
  for (;;) {
    if (head_ != nullptr) {
      TaskHeader* task = head_;
      head_ = task->queue_next;
      if (head_ == nullptr) tail_ = nullptr;
      --queued_;
      lock.unlock();
      run_task(task);
      lock.lock();
      continue;
    }
    if (shutdown_) break;
    ++idle_;
    const bool woken = work_cv_.wait_for(lock, keep_alive_,
                                         [this] { return head_ != nullptr || shutdown_; });
    --idle_;
    if (!woken) break;
  }
  --threads_;
  if (!shutdown_) finished_.push_back(std::this_thread::get_id());
}

void BlockingPool::shutdown() noexcept {
  TaskHeader* queued;
  std::list<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    shutdown_ = true;
    queued = std::exchange(head_, nullptr);
    tail_ = nullptr;
    queued_ = 0;
    threads.swap(running_);
    finished_.clear();
  }
  work_cv_.notify_all();
  while (queued != nullptr) {
    TaskHeader* next = queued->queue_next;
    cancel_task(queued);
    queued = next;
  }
  for (std::thread& t : threads) t.join();
}

}  // namespace pollux::exec::detail
