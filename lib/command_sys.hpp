// SPDX-License-Identifier: MIT
#pragma once
// The internal contract behind pollux::Command and its pipes, implemented once per OS
// (lib/unix/command_spawn.cpp on Linux, lib/win/command_spawn.cpp on Windows).
// lib/command.cpp has checked the Command first: a non-empty program, no NUL anywhere,
// no '=' (or empty name) in an environment variable's name.

#include <pollux/command.hpp>
#include <pollux/poll.hpp>

#include <cstddef>
#include <span>
#include <system_error>

#include "process_sys.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

struct ChildPipe;

void child_pipe_destroy(ChildPipe* pipe) noexcept;
std::size_t child_pipe_read(ChildPipe& pipe, std::span<std::byte> buf, std::error_code& ec);
std::size_t child_pipe_write(ChildPipe& pipe, std::span<const std::byte> buf,
                             std::error_code& ec);
std::error_code child_pipe_add(ChildPipe& pipe, const Registry& registry, Token token,
                               Interest interest);
std::error_code child_pipe_modify(ChildPipe& pipe, const Registry& registry, Token token,
                                  Interest interest);
std::error_code child_pipe_remove(ChildPipe& pipe, const Registry& registry);

// What a spawn made: all set on success, all null on error.
struct SpawnedChild {
  ProcessState* process = nullptr;
  ChildPipe* pipes[3] = {nullptr, nullptr, nullptr};  // stdin, stdout, stderr when piped
};

std::error_code command_spawn(const Command& command, SpawnedChild& out);

}  // namespace pollux::sys
