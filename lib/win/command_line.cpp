// SPDX-License-Identifier: MIT
// Command lines for CreateProcessW: the C runtime's quoting for programs, cmd.exe's for
// batch files (command_line.hpp says why they differ).

#include "win.hpp"

#include "command_line.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

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

// Characters that mean nothing to cmd.exe outside quotes (nor split an argument of a
// batch file). Any other ASCII character, or a control character, gets the argument quoted.
bool plain_for_cmd(wchar_t c) noexcept {
  if ((c >= L'a' && c <= L'z') || (c >= L'A' && c <= L'Z') || (c >= L'0' && c <= L'9')) {
    return true;
  }
  for (const wchar_t* p = L"#$*+-./:?@\\_"; *p != 0; ++p) {
    if (c == *p) return true;
  }
  return c >= 0xA0;  // beyond ASCII and the C1 controls
}

// Whether cmd.exe would act on `c` however it is quoted.
bool unsafe_for_cmd(wchar_t c) noexcept { return c == L'%' || c == L'\r' || c == L'\n'; }

void append_for_cmd(std::wstring& line, const std::wstring& arg) {
  bool quote = arg.empty() || arg.back() == L'\\';  // see the closing quote below
  for (wchar_t c : arg) quote = quote || !plain_for_cmd(c);
  if (quote) line += L'"';
  std::size_t backslashes = 0;
  for (wchar_t c : arg) {
    if (c == L'\\') {
      ++backslashes;
    } else {
      if (c == L'"') {
        // For cmd.exe, `""` leaves the quote state as it was: the rest of the argument
        // stays quoted. For a C runtime that gets %* from the script, the backslashes in
        // front are doubled so that none escapes the quote.
        line.append(backslashes, L'\\');
        line += L'"';
      }
      backslashes = 0;
    }
    line += c;
  }
  // A script that writes "%~1" would otherwise hand a C runtime `\"`: an escaped quote.
  if (quote) {
    line.append(backslashes, L'\\');
    line += L'"';
  }
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

bool is_batch_file(const std::wstring& path) noexcept {
  std::size_t end = path.size();
  while (end > 0 && (path[end - 1] == L'.' || path[end - 1] == L' ')) --end;
  if (end < 4 || path[end - 4] != L'.') return false;
  auto lower = [&](std::size_t i) {
    wchar_t c = path[end - 3 + i];
    return c >= L'A' && c <= L'Z' ? static_cast<wchar_t>(c - L'A' + L'a') : c;
  };
  const wchar_t ext[3] = {lower(0), lower(1), lower(2)};
  return (ext[0] == L'b' && ext[1] == L'a' && ext[2] == L't') ||
         (ext[0] == L'c' && ext[1] == L'm' && ext[2] == L'd');
}

std::error_code make_batch_command_line(const std::wstring& script,
                                        std::span<const std::string> argv,
                                        std::wstring& line) {
  if (script.empty() || script.back() == L'\\' || script.find(L'"') != std::wstring::npos) {
    return invalid();
  }
  for (wchar_t c : script) {
    if (unsafe_for_cmd(c)) return invalid();
  }
  // /d: no AutoRun commands from the registry; /v:OFF: `!` is not expanded; /e:ON: the
  // extensions that the quote rule of /c below relies on. /c strips the first and the last
  // quote of what follows when it does not start with a single quoted program name, which
  // is why everything after it is wrapped in one more pair.
  line = L"cmd.exe /e:ON /v:OFF /d /c \"\"";
  line += script;
  line += L'"';
  for (std::size_t i = 1; i < argv.size(); ++i) {
    std::wstring arg;
    if (!append_wide(argv[i], arg)) return invalid();
    for (wchar_t c : arg) {
      if (unsafe_for_cmd(c)) return invalid();
    }
    line += L' ';
    append_for_cmd(line, arg);
  }
  line += L'"';
  return {};
}

}  // namespace pollux::sys
