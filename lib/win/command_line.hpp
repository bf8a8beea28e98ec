#pragma once
// The command line that CreateProcessW gets for an argv. Windows passes one string; the
// child splits it again by its own rules, a program's C runtime (and CommandLineToArgvW)
// by the ones that make_command_line quotes for.

#include <span>
#include <string>
#include <system_error>

namespace pollux::sys {

/// Appends UTF-8 `utf8` as UTF-16 to `out`; false when it is not valid UTF-8.
bool append_wide(const std::string& utf8, std::wstring& out);

/// argv (UTF-8) as a command line that the child's C runtime splits back into argv.
/// invalid_argument: invalid UTF-8, or a `"` in argv[0] (CreateProcess takes the program
/// name up to the next quote, with no escapes).
std::error_code make_command_line(std::span<const std::string> argv, std::wstring& line);

}  // namespace pollux::sys
