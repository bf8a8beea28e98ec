// SPDX-License-Identifier: MIT
#pragma once
// The coroutine tasks of a scheduler that have waited at least once and not finished,
// so that shutdown can drop the ones that no queue refers to (a task waiting on a join
// handle, or on another task that waits on it). Sharded so that workers spawning and
// completing tasks at once rarely meet on one lock; the locks are spin locks, held for
// a few instructions. The list holds one reference to each task.
//
// A task joins when it first goes idle (run_task), not when it is spawned: until then
// it is always running or in a queue, and shutdown cancels the queued ones it finds
// unlisted (drop_queue_entry). Tasks that finish without ever waiting (most of those a
// spawn loop, a chain or a recursive fork-join creates) never take the list's lock.
//
// A thread inserts into a shard of its own (assigned round-robin at its first insert),
// and the task records which: a worker's spawns and completions then stay in its own
// cache lines (with address shards, perf put 30% of fib(25) on two workers in the
// shard locks and slot arrays bouncing between the cores).
//
// Each shard is an array of slots with a free list threaded through the empty ones,
// and a task records its slot. Unlike an intrusive doubly-linked list, removal touches
// only the task and its slot, never the neighbouring tasks: with a million tasks alive
// those neighbours are cache misses, and the store that links them held up the next
// atomic operation.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <system_error>
#include <vector>

#include <pollux/exec/detail/task_header.hpp>

#include "spin_lock.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

class OwnedTasks {
 public:
  // std::errc{} when listed (the list now holds a reference). Otherwise the list took
  // no reference and the caller must cancel the task with the reason returned:
  // operation_canceled once closed, not_enough_memory when the list could not grow.
  std::errc insert(TaskHeader* task) noexcept;
  // Unlinks a task; true when it was listed, and the list's reference passes to the
  // caller. A task already taken by close_and_cancel_all is left alone (false).
  bool remove(TaskHeader* task) noexcept;
  // Refuses further inserts, then cancels every task still listed.
  void close_and_cancel_all() noexcept;

 private:
  static constexpr std::size_t kShards = 32;
  // TaskHeader::owned_slot is the shard in the top 5 bits and the index below them.
  static constexpr int kShardShift = 27;
  static constexpr std::uint32_t kIndexMask = (std::uint32_t{1} << kShardShift) - 1;
  static_assert(kShards == std::size_t{1} << (32 - kShardShift));
  static constexpr std::uint32_t kEndOfFree = kIndexMask;
  // A slot holds a task's address, or (index of the next free slot << 1) | 1.
  using Slot = std::uintptr_t;
  struct alignas(64) Shard {
    SpinLock mutex;
    std::uint32_t free_head = kEndOfFree;
    std::uint32_t live = 0;
    std::vector<Slot> slots;
  };
  // Under the shard's lock. Returns the slots to free after unlocking (when the shard
  // emptied after a burst, so that its memory goes back), or an empty vector.
  static std::vector<Slot> free_slot(Shard& shard, std::uint32_t index) noexcept;

  std::array<Shard, kShards> shards_;
  std::atomic<bool> closed_{false};
};

}  // namespace pollux::exec::detail
