// SPDX-License-Identifier: MIT
#pragma once
// sleep and sleep_until: wait for a moment on the runtime's timers.

#include <chrono>

#include <pollux/exec/config.hpp>
#include <pollux/exec/task.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// Completes at or after `deadline` (std::chrono::steady_clock), never before it; the
/// runtime's timers have a 1 ms resolution, and the deadline is rounded up to it. A
/// deadline that has passed completes at once (spending one unit of the task's
/// cooperative budget). Outside a runtime task, the calling thread sleeps.
///
/// Cancel safety: safe. Dropping the task that waits cancels the timer (O(1)).
POLLUX_EXEC_API Task<void> sleep_until(std::chrono::steady_clock::time_point deadline);

/// sleep_until(now + duration); a zero or negative duration completes at once, and one
/// that reaches past the clock's range (nanoseconds::max()) never does.
POLLUX_EXEC_API Task<void> sleep(std::chrono::nanoseconds duration);

}  // namespace pollux::exec
