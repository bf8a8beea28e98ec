#pragma once
// Every unfinished coroutine task of a scheduler, so that shutdown can drop the ones
// that no queue refers to (a task waiting on a join handle, or on another task that
// waits on it). Sharded by address so that workers spawning and completing tasks at
// once rarely meet on one lock; the locks are spin locks, held for a few instructions.
// The list holds one reference to each task.

#include <array>
#include <atomic>
#include <cstddef>
#include <mutex>

#include <pollux/exec/detail/task_header.hpp>

#include "spin_lock.hpp"

namespace pollux::exec::detail {

class OwnedTasks {
 public:
  // false once closed: the caller must cancel the task (the list took no reference).
  bool insert(TaskHeader* task) noexcept;
  // Unlinks and drops the list's reference; a task already taken by close_and_cancel_all
  // is left alone.
  void remove(TaskHeader* task) noexcept;
  // Refuses further inserts, then cancels every task still listed.
  void close_and_cancel_all() noexcept;

 private:
  static constexpr std::size_t kShards = 32;
  struct alignas(64) Shard {
    SpinLock mutex;
    TaskHeader* head = nullptr;
  };
  Shard& shard_of(const TaskHeader* task) noexcept;

  std::array<Shard, kShards> shards_;
  std::atomic<bool> closed_{false};
};

}  // namespace pollux::exec::detail
