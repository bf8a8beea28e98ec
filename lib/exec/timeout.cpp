// SPDX-License-Identifier: MIT
// timeout()'s timer branch (include/pollux/exec/timeout.hpp): the rest is select().

#include <pollux/exec/timeout.hpp>

#include "io_op.hpp"
#include "timer_await.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

Task<bool> deadline_passed(std::chrono::steady_clock::time_point deadline) {
  std::shared_ptr<IoDriver> driver = current_driver();
  if (!driver) co_return false;
  co_await TimerAwait(*driver, deadline);
  co_return true;
}

}  // namespace pollux::exec::detail
