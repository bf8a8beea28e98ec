// SPDX-License-Identifier: MIT
// The expirer task: see expirer.hpp.

#include "expirer.hpp"

#include <chrono>

#include <pollux/exec/select.hpp>
#include <pollux/exec/sleep.hpp>
#include <pollux/exec/yield_now.hpp>

using namespace pollux;

namespace kv {

namespace {
// Keys removed per shard before the task lets others run.
constexpr std::size_t kBudget = 256;
}  // namespace

exec::Task<void> run_expirer(Store& store) {
  for (;;) {
    if (store.remove_due(now_ms(), kBudget)) {
      co_await exec::yield_now();
      continue;
    }
    const std::int64_t next = store.arm_earliest();
    if (next == kNever) {
      co_await store.wakeup().notified();
    } else if (next > now_ms()) {
      const std::chrono::steady_clock::time_point at{std::chrono::milliseconds(next)};
      (void)co_await exec::select(exec::sleep_until(at), store.wakeup().notified());
    }
  }
}

}  // namespace kv
