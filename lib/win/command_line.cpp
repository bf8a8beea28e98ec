// Command lines for CreateProcessW: the C runtime's quoting for programs.

#include "win.hpp"

#include "command_line.hpp"

namespace pollux::sys {

namespace {

std::error_code invalid() noexcept { return std::make_error_code(std::errc::invalid_argument); }

// Quotes one argument so that CommandLineToArgvW and the C runtime's parser give it back
// unchanged: backslashes are literal except in front of a quote, where they escape.
void append_quoted(std::wstring& line, const std::wstring& arg) {
  if (!arg.empty() && arg.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
    line += arg;
    return;
  }
  line += L'"';
  std::size_t backslashes = 0;
  for (wchar_t c : arg) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    if (c == L'"') backslashes = backslashes * 2 + 1;
    line.append(backslashes, L'\\');
    backslashes = 0;
    line += c;
  }
  // The closing quote follows: backslashes before it are doubled so it stays a quote.
  line.append(backslashes * 2, L'\\');
  line += L'"';
}

}  // namespace

bool append_wide(const std::string& utf8, std::wstring& out) {
  if (utf8.empty()) return true;
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8.data(),
                              static_cast<int>(utf8.size()), nullptr, 0);
  if (n <= 0) return false;
  std::size_t at = out.size();
  out.resize(at + static_cast<std::size_t>(n));
  return MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8.data(),
                             static_cast<int>(utf8.size()), out.data() + at, n) == n;
}

std::error_code make_command_line(std::span<const std::string> argv, std::wstring& line) {
  // CreateProcess reads the program name by its own rule: up to the next quote when it
  // starts with one, with no escapes. So it is always quoted, and may not hold a quote.
  if (argv[0].find('"') != std::string::npos) return invalid();
  line += L'"';
  if (!append_wide(argv[0], line)) return invalid();
  line += L'"';
  for (std::size_t i = 1; i < argv.size(); ++i) {
    std::wstring arg;
    if (!append_wide(argv[i], arg)) return invalid();
    line += L' ';
    append_quoted(line, arg);
  }
  return {};
}

}  // namespace pollux::sys
