#include "owned_tasks.hpp"

#include <cstdint>

#include "task_state.hpp"

namespace pollux::exec::detail {

OwnedTasks::Shard& OwnedTasks::shard_of(const TaskHeader* task) noexcept {
  // Allocations are at least 16-byte aligned and cells are ~100 bytes: skip the low bits.
  const auto bits = reinterpret_cast<std::uintptr_t>(task);
  return shards_[(bits >> 7 ^ bits >> 12) % kShards];
}

bool OwnedTasks::insert(TaskHeader* task) noexcept {
  Shard& shard = shard_of(task);
  std::lock_guard lock(shard.mutex);
  // Read under the shard lock: close_and_cancel_all sets the flag and then takes every
  // shard lock, so an insert either sees the flag or is seen by the sweep.
  if (closed_.load(std::memory_order_relaxed)) return false;
  task->owned_prev = nullptr;
  task->owned_next = shard.head;
  if (shard.head != nullptr) shard.head->owned_prev = task;
  shard.head = task;
  task->owned_linked = true;
  return true;
}

void OwnedTasks::remove(TaskHeader* task) noexcept {
  Shard& shard = shard_of(task);
  {
    std::lock_guard lock(shard.mutex);
    if (!task->owned_linked) return;
    if (task->owned_prev != nullptr) {
      task->owned_prev->owned_next = task->owned_next;
    } else {
      shard.head = task->owned_next;
    }
    if (task->owned_next != nullptr) task->owned_next->owned_prev = task->owned_prev;
    task->owned_linked = false;
  }
  task->ref_dec();
}

void OwnedTasks::close_and_cancel_all() noexcept {
  closed_.store(true, std::memory_order_relaxed);
  for (Shard& shard : shards_) {
    for (;;) {
      TaskHeader* task;
      {
        std::lock_guard lock(shard.mutex);
        task = shard.head;
        if (task == nullptr) break;
        shard.head = task->owned_next;
        if (shard.head != nullptr) shard.head->owned_prev = nullptr;
        task->owned_linked = false;
      }
      // Cancelling runs destructors of the task's frame, which may spawn (refused now)
      // or drop join handles of tasks in this very shard: never hold the lock here.
      cancel_task(task);
    }
  }
}

}  // namespace pollux::exec::detail
