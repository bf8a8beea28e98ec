// SPDX-License-Identifier: MIT
// Command on Windows. Each piped stream is a named pipe of its own, with a name nobody
// can guess or take first (FILE_FLAG_FIRST_PIPE_INSTANCE, one instance,
// PIPE_REJECT_REMOTE_CLIENTS). The child gets the synchronous server end, as its C
// runtime expects of a standard handle; the parent opens the client end overlapped and
// hands it to win::NamedPipe, so the pipe is served on the Poll's completion port with
// readiness, without a thread per child. The child's ends reach it only through
// PROC_THREAD_ATTRIBUTE_HANDLE_LIST (lib/win/process.cpp): they are created
// non-inheritable, so a CreateProcess on another thread inherits none of them.

#include "win.hpp"

#include <algorithm>
#include <atomic>
#include <cwchar>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <pollux/win/named_pipe.hpp>

#include "../command_sys.hpp"
#include "command_line.hpp"
#include "error.hpp"
#include "process_spawn.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

struct ChildPipe {
  win::NamedPipe pipe;
};

namespace {

std::atomic<unsigned long long> pipe_serial{0};

struct OwnedHandle {
  HANDLE h = nullptr;
  OwnedHandle() = default;
  OwnedHandle(const OwnedHandle&) = delete;
  OwnedHandle& operator=(const OwnedHandle&) = delete;
  ~OwnedHandle() {
    if (h != nullptr && h != INVALID_HANDLE_VALUE) CloseHandle(h);
  }
};

// A connected pipe: `child` the server end (synchronous), `ours` the client end
// (overlapped). The name holds this process's id, a serial and the performance counter,
// so it is unique here and hard to predict; FILE_FLAG_FIRST_PIPE_INSTANCE makes a name
// that exists already fail rather than be joined, and then another one is tried.
std::error_code make_pipe(OwnedHandle& child, OwnedHandle& ours) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    LARGE_INTEGER now{};
    QueryPerformanceCounter(&now);
    wchar_t name[128];
    std::swprintf(name, 128, L"\\\\.\\pipe\\pollux-child-%lu-%llu-%llx",
                  static_cast<unsigned long>(GetCurrentProcessId()), ++pipe_serial,
                  static_cast<unsigned long long>(now.QuadPart));
    constexpr DWORD kBuffer = 64 * 1024;
    HANDLE server = CreateNamedPipeW(
        name, PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE,
        PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1,
        kBuffer, kBuffer, 0, nullptr);
    if (server == INVALID_HANDLE_VALUE) {
      const DWORD error = GetLastError();
      if (error == ERROR_ACCESS_DENIED || error == ERROR_PIPE_BUSY) continue;
      return win_error(error);
    }
    child.h = server;
    ours.h = CreateFileW(name, GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                         FILE_FLAG_OVERLAPPED, nullptr);
    if (ours.h == INVALID_HANDLE_VALUE) return win_error();
    return {};
  }
  return std::make_error_code(std::errc::file_exists);
}

bool same_name(std::wstring_view a, std::wstring_view b) {
  return CompareStringOrdinal(a.data(), static_cast<int>(a.size()), b.data(),
                              static_cast<int>(b.size()), TRUE) == CSTR_EQUAL;
}

std::wstring_view name_of(std::wstring_view entry) {
  // "=C:=C:\dir" entries (per-drive directories) start with '=': the name runs to the
  // second one.
  const auto eq = entry.find(L'=', 1);
  return entry.substr(0, eq == std::wstring_view::npos ? entry.size() : eq);
}

// Whether the Command decides the child's PATH: it clears the environment, or sets or
// removes PATH (names compare without regard to ASCII case, as Windows compares them).
bool sets_path(const Command& command) {
  if (command.env_cleared()) return true;
  return std::any_of(command.env_changes().begin(), command.env_changes().end(),
                     [](const Command::EnvChange& change) {
                       constexpr std::string_view kPath = "PATH";
                       return change.key.size() == kPath.size() &&
                              std::equal(kPath.begin(), kPath.end(), change.key.begin(),
                                         [](char a, char b) { return a == (b & ~0x20); });
                     });
}

// The child's environment block (CREATE_UNICODE_ENVIRONMENT): this program's (unless
// cleared) with the Command's changes applied in order, sorted by name without regard
// to case as Windows keeps it. `path` gets the child's PATH, or stays empty without one.
std::error_code environment_block(const Command& command, std::wstring& block,
                                  std::wstring& path) {
  std::vector<std::wstring> entries;
  if (!command.env_cleared()) {
    wchar_t* all = GetEnvironmentStringsW();
    if (all == nullptr) return win_error();
    for (const wchar_t* p = all; *p != L'\0'; p += std::wcslen(p) + 1) entries.emplace_back(p);
    FreeEnvironmentStringsW(all);
  }
  for (const auto& change : command.env_changes()) {
    std::wstring key;
    if (!append_wide(change.key, key)) return std::make_error_code(std::errc::invalid_argument);
    std::erase_if(entries, [&](const std::wstring& e) { return same_name(name_of(e), key); });
    if (!change.value) continue;
    std::wstring entry = key + L'=';
    if (!append_wide(*change.value, entry)) {
      return std::make_error_code(std::errc::invalid_argument);
    }
    entries.push_back(std::move(entry));
  }
  std::sort(entries.begin(), entries.end(), [](const std::wstring& a, const std::wstring& b) {
    return CompareStringOrdinal(a.data(), static_cast<int>(a.size()), b.data(),
                                static_cast<int>(b.size()), TRUE) == CSTR_LESS_THAN;
  });
  block.clear();
  path.clear();
  for (const auto& e : entries) {
    if (same_name(name_of(e), L"PATH")) path = e.substr(5);
    block += e;
    block += L'\0';
  }
  if (entries.empty()) block += L'\0';
  block += L'\0';
  return {};
}

}  // namespace

void child_pipe_destroy(ChildPipe* pipe) noexcept { delete pipe; }

std::size_t child_pipe_read(ChildPipe& pipe, std::span<std::byte> buf, std::error_code& ec) {
  return pipe.pipe.read(buf, ec);
}

std::size_t child_pipe_write(ChildPipe& pipe, std::span<const std::byte> buf,
                             std::error_code& ec) {
  return pipe.pipe.write(buf, ec);
}

std::error_code child_pipe_add(ChildPipe& pipe, const Registry& registry, Token token,
                               Interest interest) {
  return pipe.pipe.add_to(registry, token, interest);
}

std::error_code child_pipe_modify(ChildPipe& pipe, const Registry& registry, Token token,
                                  Interest interest) {
  return pipe.pipe.modify_in(registry, token, interest);
}

std::error_code child_pipe_remove(ChildPipe& pipe, const Registry& registry) {
  return pipe.pipe.remove_from(registry);
}

std::error_code command_spawn(const Command& command, SpawnedChild& out) {
  std::error_code ec;
  OwnedHandle child_ends[3];
  OwnedHandle null_device;
  std::unique_ptr<ChildPipe> pipes[3];
  WinSpawn request;
  for (int fd = 0; fd < 3; ++fd) {
    switch (command.stdio(fd)) {
      case Stdio::inherit:
        break;
      case Stdio::null:
        if (null_device.h == nullptr) {
          null_device.h = CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE,
                                      FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                                      OPEN_EXISTING, 0, nullptr);
          if (null_device.h == INVALID_HANDLE_VALUE) return win_error();
        }
        request.stdio[fd] = null_device.h;
        break;
      case Stdio::piped: {
        OwnedHandle ours;
        if ((ec = make_pipe(child_ends[fd], ours))) return ec;
        pipes[fd] = std::make_unique<ChildPipe>();
        pipes[fd]->pipe = win::NamedPipe::from_raw_handle(ours.h, win::NamedPipeOptions{}, ec);
        if (ec) return ec;  // the handle stays ours, and is closed
        ours.h = nullptr;
        request.stdio[fd] = child_ends[fd].h;
        break;
      }
    }
  }
  std::vector<std::string> argv;
  argv.reserve(command.arguments().size() + 1);
  argv.push_back(command.program());
  argv.insert(argv.end(), command.arguments().begin(), command.arguments().end());
  request.argv = argv;
  std::wstring block;
  std::wstring child_path;
  if (command.env_cleared() || !command.env_changes().empty()) {
    if ((ec = environment_block(command, block, child_path))) return ec;
    request.environment = block.c_str();
    // A PATH the Command sets is searched first, as in Rust's std (program_search.hpp).
    if (sets_path(command) && !child_path.empty()) request.search_path = child_path.c_str();
  }
  std::wstring dir;
  if (command.dir()) {
    if (!append_wide(*command.dir(), dir)) return std::make_error_code(std::errc::invalid_argument);
    request.directory = dir.c_str();
  }
  ProcessState* process = process_spawn_with(request, ec);
  if (ec) return ec;
  out.process = process;
  for (int fd = 0; fd < 3; ++fd) out.pipes[fd] = pipes[fd].release();
  return {};
}

}  // namespace pollux::sys
