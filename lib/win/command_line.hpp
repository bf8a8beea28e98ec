// SPDX-License-Identifier: MIT
#pragma once
// The command line that CreateProcessW gets for an argv. Windows passes one string; the
// child splits it again by its own rules. A program's C runtime (and CommandLineToArgvW)
// follows one set of rules; a batch file is run by cmd.exe, which follows others (quotes
// only toggle, `&|<>^` act outside quotes, `%VAR%` is expanded everywhere), so quoting an
// argument for the one and handing it to the other lets it run commands of its own
// (CVE-2024-24576 in Rust, and the same in most languages' process APIs).

#include <span>
#include <string>
#include <system_error>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI()::sys {

/// Appends UTF-8 `utf8` as UTF-16 to `out`; false when it is not valid UTF-8.
bool append_wide(const std::string& utf8, std::wstring& out);

/// argv (UTF-8) as a command line that the child's C runtime splits back into argv.
/// invalid_argument: invalid UTF-8, or a `"` in argv[0] (CreateProcess takes the program
/// name up to the next quote, with no escapes).
std::error_code make_command_line(std::span<const std::string> argv, std::wstring& line);

/// Whether CreateProcess would run `path` through cmd.exe: it names a .bat or .cmd file
/// (any case; trailing dots and spaces, which Windows drops from file names, ignored).
bool is_batch_file(const std::wstring& path) noexcept;

/// The command line for cmd.exe (started by the caller from the system directory) that
/// runs `script` (a full path) with argv[1..] as its arguments, so that cmd.exe runs
/// nothing else and expands nothing: `cmd.exe /e:ON /v:OFF /d /c ""script" args"`.
/// An argument is quoted unless it is made of characters that cmd.exe never treats
/// specially; inside quotes a `"` is doubled (cmd.exe's quote state is then unchanged,
/// and the C runtime of a program the script passes %* on to reads `""` as one quote).
/// invalid_argument for what no quoting can make safe: CR or LF (cmd.exe ends the command
/// there) and `%` (Windows' cmd.exe expands `%VAR%` even inside quotes; the `%%cd:~,%`
/// trick that defeats it there is not honoured by Wine's cmd.exe, where it cannot be
/// tested), in an argument or in the script's path; invalid UTF-8; a script path with a
/// `"` or a trailing backslash.
std::error_code make_batch_command_line(const std::wstring& script,
                                        std::span<const std::string> argv,
                                        std::wstring& line);

}  // namespace pollux::sys
