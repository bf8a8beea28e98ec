// SPDX-License-Identifier: MIT
#pragma once
// The internal contract behind pollux::Signals, implemented once per OS
// (lib/unix/signals.cpp, lib/win/signals.cpp). lib/signals.cpp checks the empty state and
// the Interest first; signals_create checks the numbers itself, as only the OS knows them.

#include <pollux/poll.hpp>
#include <pollux/signals.hpp>

#include <span>
#include <system_error>

namespace pollux::inline POLLUX_ABI()::sys {

struct SignalsState;

SignalsState* signals_create(std::span<const int> signals, std::error_code& ec);
void signals_destroy(SignalsState* state) noexcept;
int signals_ctrl_c() noexcept;

/// One arrival, or would-block (re-arming emulated edges) when none is left.
int signals_read(SignalsState& state, std::error_code& ec);

std::error_code signals_add(SignalsState& state, const Registry& registry, Token token);
std::error_code signals_modify(SignalsState& state, const Registry& registry, Token token);
std::error_code signals_remove(SignalsState& state, const Registry& registry);

}  // namespace pollux::sys
