// SPDX-License-Identifier: MIT
#pragma once
// Process::spawn's CreateProcess with what Command adds: an environment block, a working
// directory and replacements for the standard handles (lib/win/process.cpp).

#include "win.hpp"

#include <span>
#include <string>
#include <system_error>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI()::sys {

struct ProcessState;

struct WinSpawn {
  std::span<const std::string> argv;
  // A CREATE_UNICODE_ENVIRONMENT block, or null for this program's environment.
  const wchar_t* environment = nullptr;
  // The working directory, or null.
  const wchar_t* directory = nullptr;
  // The PATH the child gets, searched first for argv[0] (program_search.hpp), or null
  // when the Command leaves PATH as this program's.
  const wchar_t* search_path = nullptr;
  // Handles for the child's stdin, stdout, stderr (any inheritance flag: each is passed
  // through PROC_THREAD_ATTRIBUTE_HANDLE_LIST, duplicated inheritable when it is not), or
  // null to pass this program's own.
  HANDLE stdio[3] = {nullptr, nullptr, nullptr};
};

ProcessState* process_spawn_with(const WinSpawn& request, std::error_code& ec);

}  // namespace pollux::sys
