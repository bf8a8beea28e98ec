// SPDX-License-Identifier: MIT
#include "owned_tasks.hpp"

#include <mutex>
#include <new>
#include <utility>

#include "task_state.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

namespace {

// A shard that empties keeps this many slots rather than giving its array back.
constexpr std::size_t kSlotsKept = 1024;

std::atomic<std::uint32_t> g_next_shard{0};
thread_local std::uint32_t t_shard = g_next_shard.fetch_add(1, std::memory_order_relaxed);

}  // namespace

std::errc OwnedTasks::insert(TaskHeader* task) noexcept {
  const std::uint32_t shard_index = t_shard % kShards;
  Shard& shard = shards_[shard_index];
  std::lock_guard lock(shard.mutex);
  // Read under the shard lock: close_and_cancel_all sets the flag and then takes every
  // shard lock, so an insert either sees the flag or is seen by the sweep.
  if (closed_.load(std::memory_order_relaxed)) return std::errc::operation_canceled;
  std::uint32_t index = shard.free_head;
  if (index != kEndOfFree) {
    shard.free_head = static_cast<std::uint32_t>(shard.slots[index] >> 1);
    shard.slots[index] = reinterpret_cast<Slot>(task);
  } else {
    // Indices stay below kEndOfFree, so that no slot is mistaken for the end of the list
    // and kNotOwned (shard 31, index kEndOfFree) names no task.
    if (shard.slots.size() >= kEndOfFree) return std::errc::not_enough_memory;
    try {
      shard.slots.push_back(reinterpret_cast<Slot>(task));
    } catch (const std::bad_alloc&) {
      return std::errc::not_enough_memory;
    }
    index = static_cast<std::uint32_t>(shard.slots.size() - 1);
  }
  ++shard.live;
  task->owned_slot.store(shard_index << kShardShift | index, std::memory_order_relaxed);
  return std::errc{};
}

std::vector<OwnedTasks::Slot> OwnedTasks::free_slot(Shard& shard, std::uint32_t index) noexcept {
  shard.slots[index] = (Slot{shard.free_head} << 1) | 1;
  shard.free_head = index;
  if (--shard.live == 0 && shard.slots.capacity() > kSlotsKept) {
    shard.free_head = kEndOfFree;
    return std::exchange(shard.slots, {});
  }
  return {};
}

bool OwnedTasks::remove(TaskHeader* task) noexcept {
  // Only the thread that completes the task calls this, and the sweep runs once no
  // thread runs tasks any more (Scheduler::shutdown stops them first): owned_slot,
  // which names the shard to lock, is not written by another thread meanwhile.
  const std::uint32_t slot = task->owned_slot.load(std::memory_order_relaxed);
  if (slot == TaskHeader::kNotOwned) return false;
  Shard& shard = shards_[slot >> kShardShift];
  std::vector<Slot> spare;  // freed after the lock
  std::lock_guard lock(shard.mutex);
  task->owned_slot.store(TaskHeader::kNotOwned, std::memory_order_relaxed);
  spare = free_slot(shard, slot & kIndexMask);
  return true;
}

void OwnedTasks::close_and_cancel_all() noexcept {
  closed_.store(true, std::memory_order_relaxed);
  for (Shard& shard : shards_) {
    for (std::size_t next = 0;;) {
      TaskHeader* task = nullptr;
      std::vector<Slot> spare;
      {
        std::lock_guard lock(shard.mutex);
        for (; next < shard.slots.size(); ++next) {
          const Slot slot = shard.slots[next];
          if ((slot & 1) != 0) continue;
          task = reinterpret_cast<TaskHeader*>(slot);
          task->owned_slot.store(TaskHeader::kNotOwned, std::memory_order_relaxed);
          spare = free_slot(shard, static_cast<std::uint32_t>(next));
          break;
        }
      }
      if (task == nullptr) break;
      // Cancelling runs destructors of the task's frame, which may spawn (refused now)
      // or drop join handles of tasks in this very shard: never hold the lock here.
      cancel_task(task);
    }
  }
}

}  // namespace pollux::exec::detail
