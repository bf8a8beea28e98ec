// SPDX-License-Identifier: MIT
// The program search of Process::spawn on Windows (the order is in program_search.hpp).

#include "win.hpp"

#include <string_view>

#include "command_line.hpp"
#include "program_search.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

namespace {

using DirectoryGetter = UINT(WINAPI*)(LPWSTR, UINT);

std::wstring directory_from(DirectoryGetter get) {
  std::wstring dir(MAX_PATH, L'\0');
  for (;;) {
    UINT n = get(dir.data(), static_cast<UINT>(dir.size()));
    if (n == 0) return {};
    if (n < dir.size()) {
      dir.resize(n);
      break;
    }
    dir.resize(n);  // too small: n counts the terminating NUL
  }
  while (!dir.empty() && dir.back() == L'\\') dir.pop_back();
  return dir;
}

// The directory of this program's executable.
std::wstring application_directory() {
  std::wstring file(MAX_PATH, L'\0');
  for (;;) {
    DWORD n = GetModuleFileNameW(nullptr, file.data(), static_cast<DWORD>(file.size()));
    if (n == 0) return {};
    if (n < file.size()) {
      file.resize(n);
      break;
    }
    file.resize(file.size() * 2);  // truncated
  }
  auto slash = file.find_last_of(L"\\/");
  return slash == std::wstring::npos ? std::wstring() : file.substr(0, slash);
}

std::wstring environment_path() {
  DWORD n = GetEnvironmentVariableW(L"PATH", nullptr, 0);
  if (n == 0) return {};
  std::wstring value(n, L'\0');
  n = GetEnvironmentVariableW(L"PATH", value.data(), n);
  value.resize(n < value.size() ? n : 0);
  return value;
}

// An existing file that is not a directory. GetFileAttributesW does not open the file, so
// a file we may not read is still found (CreateProcess then says what is wrong with it).
bool is_file(const std::wstring& path) noexcept {
  DWORD attributes = GetFileAttributesW(path.c_str());
  return attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY) == 0;
}

bool is_in(const std::wstring& dir, const std::wstring& file, std::wstring& path) {
  if (dir.empty()) return false;
  path = dir;
  if (path.back() != L'\\' && path.back() != L'/') path += L'\\';
  path += file;
  return is_file(path);
}

// The first directory of a PATH value (`;`-separated) that holds `file`. Entries may be
// quoted ("C:\\Program Files\\x"); the quotes are not part of the name. An empty entry
// is skipped: it would mean the current directory, which is never searched.
bool is_in_any(std::wstring_view dirs, const std::wstring& file, std::wstring& path) {
  for (std::size_t at = 0; at <= dirs.size();) {
    std::size_t end = dirs.find(L';', at);
    if (end == std::wstring_view::npos) end = dirs.size();
    std::wstring dir;
    for (std::size_t i = at; i < end; ++i) {
      if (dirs[i] != L'"') dir += dirs[i];
    }
    if (is_in(dir, file, path)) return true;
    at = end + 1;
  }
  return false;
}

// Makes `path` absolute against the current directory, as CreateProcess would read it,
// and in Windows form (Wine turns "/tmp/x" into "Z:\tmp\x"): cmd.exe needs that form.
void make_full(std::wstring& path) {
  DWORD n = GetFullPathNameW(path.c_str(), 0, nullptr, nullptr);
  if (n == 0) return;
  std::wstring full(n, L'\0');
  n = GetFullPathNameW(path.c_str(), n, full.data(), nullptr);
  if (n == 0 || n >= full.size()) return;
  full.resize(n);
  path = std::move(full);
}

bool ends_with_exe(const std::wstring& name) noexcept {
  if (name.size() < 4) return false;
  const wchar_t* ext = name.c_str() + name.size() - 4;
  return ext[0] == L'.' && (ext[1] | 0x20) == L'e' && (ext[2] | 0x20) == L'x' &&
         (ext[3] | 0x20) == L'e';
}

}  // namespace

std::wstring system_directory() { return directory_from(&GetSystemDirectoryW); }

std::error_code find_program(const std::string& name, std::wstring& path,
                             const wchar_t* child_path) {
  std::wstring wide;
  if (!append_wide(name, wide) || wide.empty() || wide.back() == L'\\' || wide.back() == L'/') {
    return std::make_error_code(std::errc::invalid_argument);
  }
  if (wide.find_first_of(L"\\/:") != std::wstring::npos) {
    // A path: the caller said where the program is, so nothing is searched.
    path = wide;
    if (!ends_with_exe(wide) && is_file(wide + L".exe")) path += L".exe";
    make_full(path);
    return {};
  }
  const std::wstring file = wide.find(L'.') == std::wstring::npos ? wide + L".exe" : wide;
  const std::wstring windows = directory_from(&GetWindowsDirectoryW);
  if ((child_path != nullptr && is_in_any(child_path, file, path)) ||
      is_in(application_directory(), file, path) || is_in(system_directory(), file, path) ||
      is_in(windows.empty() ? windows : windows + L"\\System", file, path) ||
      is_in(windows, file, path) || is_in_any(environment_path(), file, path)) {
    make_full(path);
    return {};
  }
  return std::make_error_code(std::errc::no_such_file_or_directory);
}

}  // namespace pollux::sys
