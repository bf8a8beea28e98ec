// SPDX-License-Identifier: MIT
#pragma once
// Small tasks shared by the join suites (exec_join_result, exec_join_set).

#include <pollux/exec/sync/notify.hpp>
#include <pollux/exec/task.hpp>
#include <pollux/exec/yield_now.hpp>

#include <stdexcept>

namespace test {

inline pollux::exec::Task<int> wait_then(pollux::exec::Notify& n, int v) {
  co_await n.notified();
  co_return v;
}

inline pollux::exec::Task<int> value(int v) { co_return v; }

inline pollux::exec::Task<int> fails() {
  co_await pollux::exec::yield_now();
  throw std::runtime_error("task");
}

}  // namespace test
