// SPDX-License-Identifier: MIT
#pragma once
// ThreadPark: how the blocking halves of the sync primitives (blocking_recv,
// blocking_send, blocking_lock, ...) wait on a thread outside the runtime. The thread
// queues a Waker that unparks its Parker, exactly where a task would queue its own, so a
// primitive has one wait list and one wake path for both. Wakers are taken under the
// primitive's lock and woken after it is released (WakeList), so the thread's unpark,
// both its phases (unpark_lock, then the OS wake), happens with no lock held: the woken
// thread never runs into it.
//
// Protocol: prepare(), queue waker() under the lock, release the lock, park(). Each
// queued waker is woken exactly once (or taken back by the thread under the lock), so
// park() returns only once the waker is done with the Parker, which may then go.

#include <system_error>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/waker.hpp>
#include <pollux/exec/parker.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

class POLLUX_EXEC_API ThreadPark {
 public:
  ThreadPark() noexcept = default;
  ThreadPark(const ThreadPark&) = delete;
  ThreadPark& operator=(const ThreadPark&) = delete;

  void prepare() noexcept { parker_.prepare_park(); }
  /// A Waker that unparks this thread (no reference counting: the thread outlives it).
  Waker waker() noexcept;
  void park() noexcept { parker_.park(); }

 private:
  Parker parker_;
};

/// Empty on a thread that may block; std::errc::resource_deadlock_would_occur on a thread
/// that runs a runtime's tasks (a multi_thread worker, a current_thread block_on), where
/// blocking would stall the tasks that should make progress. The blocking pool's threads
/// (spawn_blocking) and block_on callers of a multi_thread runtime may block.
POLLUX_EXEC_API std::error_code blocking_allowed() noexcept;

}  // namespace pollux::exec::detail
