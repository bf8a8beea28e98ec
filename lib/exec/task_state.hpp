// SPDX-License-Identifier: MIT
#pragma once
// The scheduler's side of the task state machine (the joiner's side is TaskHeader's own
// members). Each function says which reference it consumes.

#include <pollux/exec/detail/task_header.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

// A Waker holding a new reference to `task`; waking schedules it.
Waker task_waker(TaskHeader* task) noexcept;

// Runs a task taken from a queue (consumes the queue entry's reference): resumes it,
// then completes it, queues it again (through its scheduler) or leaves it idle.
void run_task(TaskHeader* task) noexcept;

// Takes a task that is not running (shutdown, or a spawn that was refused), drops its
// work and completes it as cancelled. Consumes one reference.
void cancel_task(TaskHeader* task, std::errc reason = std::errc::operation_canceled) noexcept;

// A queue entry that shutdown throws away, or that a closed queue refused. A task in
// the owned list is left to shutdown's sweep; one that never waited (so never joined
// the list) is cancelled here, or nothing would complete its JoinHandle. Consumes the
// entry's reference.
void drop_queue_entry(TaskHeader* task) noexcept;

}  // namespace pollux::exec::detail
