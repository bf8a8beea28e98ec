// SPDX-License-Identifier: MIT
#pragma once
// The expirer: one task that removes keys as their deadlines pass.

#include <pollux/exec/task.hpp>

#include "store.hpp"

namespace kv {

/// Sleeps until the store's earliest deadline (a runtime timer), removes what is due,
/// and again; woken early through store.wakeup() when an earlier deadline is set.
/// Runs until cancelled.
pollux::exec::Task<void> run_expirer(Store& store);

}  // namespace kv
