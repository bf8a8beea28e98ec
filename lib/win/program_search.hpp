// SPDX-License-Identifier: MIT
#pragma once
// Which file Process::spawn and Command::spawn start for argv[0] on Windows.
// CreateProcess, given only a command line, looks in the current directory before the
// system and PATH: a program planted there ("binary planting") runs in place of the one
// meant. pollux searches itself, in the order of Rust's std, and never in the current
// directory:
//
//   1. each directory of the PATH the child gets, when a Command sets or removes PATH
//      or clears the environment (the caller said where its programs are);
//   2. the directory of this program's executable;
//   3. the system directory (GetSystemDirectoryW), then the 16-bit one (Windows\System),
//      then the Windows directory (GetWindowsDirectoryW);
//   4. each directory of this process's own PATH, as GetEnvironmentVariableW sees it.
//
// A name without an extension is searched with .exe appended (so "x" finds only x.exe);
// one with an extension, as is. A name with a `\`, `/` or `:` is a path and is not
// searched; without an extension, name.exe is taken when it exists, else the name as is.

#include <string>
#include <system_error>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI()::sys {

/// The full path of the program for `name` (UTF-8), as above; `child_path`, when not
/// null, is step 1's PATH. no_such_file_or_directory when the search finds nothing;
/// invalid_argument for invalid UTF-8 or a name that ends in a path separator.
std::error_code find_program(const std::string& name, std::wstring& path,
                             const wchar_t* child_path = nullptr);

/// GetSystemDirectoryW, without a trailing backslash; empty if it fails.
std::wstring system_directory();

}  // namespace pollux::sys
