// SPDX-License-Identifier: MIT
#pragma once
// The internal contract behind pollux::Process, implemented once per OS
// (lib/unix/process_pidfd.cpp on Linux, lib/win/process.cpp on Windows). lib/process.cpp
// checks the arguments and the empty state first, so these functions see only a live
// state, a non-empty argv free of NULs, a non-zero id and an Interest that is readable.

#include <pollux/poll.hpp>
#include <pollux/process.hpp>

#include <span>
#include <string>
#include <system_error>

namespace pollux::inline POLLUX_ABI()::sys {

struct ProcessState;

ProcessState* process_spawn(std::span<const std::string> argv, std::error_code& ec);
ProcessState* process_adopt(Process::Id id, std::error_code& ec);
/// Never blocks; reaps the child if it has exited, and otherwise sees that it is reaped
/// when it does exit, where the OS needs that.
void process_destroy(ProcessState* state) noexcept;

Process::Id process_id(const ProcessState& state) noexcept;
/// The status once the process has ended (kept for later calls), would-block before.
ExitStatus process_exit_status(ProcessState& state, std::error_code& ec);
std::error_code process_kill(ProcessState& state) noexcept;

std::error_code process_add(ProcessState& state, const Registry& registry, Token token);
std::error_code process_modify(ProcessState& state, const Registry& registry, Token token);
std::error_code process_remove(ProcessState& state, const Registry& registry);

}  // namespace pollux::sys

namespace pollux::inline POLLUX_ABI()::detail {

// Builds a Process around a state made by an OS file (win::adopt_process, Command).
struct ProcessAccess {
  static Process make(sys::ProcessState* state) noexcept {
    Process process;
    process.state_.reset(state);
    return process;
  }
};

}  // namespace pollux::detail
