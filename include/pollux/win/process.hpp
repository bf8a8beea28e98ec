// SPDX-License-Identifier: MIT
#pragma once
// Windows only: a pollux::Process over a process HANDLE the caller already holds.

#include <system_error>

#include <pollux/config.hpp>
#include <pollux/process.hpp>

namespace pollux::inline POLLUX_ABI()::win {

/// Makes a Process of `handle` (a process HANDLE, passed as void* so that this header
/// needs no <windows.h>). On success the Process owns the handle and closes it; on error
/// the caller keeps it. The handle needs SYNCHRONIZE and PROCESS_QUERY_LIMITED_INFORMATION
/// access (PROCESS_TERMINATE too, for kill()); CreateProcess's handles have all of them.
/// A null handle, INVALID_HANDLE_VALUE or a handle that is not a process:
/// std::errc::bad_file_descriptor.
POLLUX_API Process adopt_process(void* handle, std::error_code& ec);

}  // namespace pollux::win
