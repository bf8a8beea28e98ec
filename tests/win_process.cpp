// SPDX-License-Identifier: MIT
// Process on Windows: adopting a HANDLE, and Boost.Asio's windows::object_handle (the
// independent peer) seeing the same exit code as pollux. tests/process.cpp has the
// portable cases; the child is tests/process_child.cpp, found through POLLUX_TEST_CHILD.

#include "process_child.hpp"
#include "util.hpp"

#include <asio.hpp>

#include <pollux/process.hpp>
#include <pollux/win/process.hpp>

#include <windows.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Process;
using pollux::Token;

namespace {

std::string child_path() {
  const char* path = std::getenv("POLLUX_TEST_CHILD");
  REQUIRE_MESSAGE(path != nullptr, "POLLUX_TEST_CHILD is not set (run through meson test)");
  return path;
}

// A child started with CreateProcess directly, not through pollux.
HANDLE create_child(const std::string& args) {
  std::string line = "\"" + child_path() + "\" " + args;
  STARTUPINFOA startup{};
  startup.cb = sizeof startup;
  PROCESS_INFORMATION info{};
  REQUIRE(CreateProcessA(nullptr, line.data(), nullptr, nullptr, FALSE, 0, nullptr, nullptr,
                         &startup, &info));
  CloseHandle(info.hThread);
  return info.hProcess;
}

// The handles this process holds. GetProcessHandleCount answers 0 under Wine 8, and so
// does NtQueryInformationProcess(ProcessHandleCount); the system-wide handle table
// (SystemExtendedHandleInformation, 64) is right on both Wine and Windows.
long count_handles() {
  struct Entry {
    void* object;
    ULONG_PTR process_id;
    ULONG_PTR handle;
    ULONG access;
    USHORT back_trace;
    USHORT type;
    ULONG attributes;
    ULONG reserved;
  };
  struct Table {
    ULONG_PTR count;
    ULONG_PTR reserved;
    Entry entries[1];
  };
  using Query = LONG(NTAPI*)(ULONG, void*, ULONG, ULONG*);
  auto query = reinterpret_cast<Query>(reinterpret_cast<void*>(
      GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "NtQuerySystemInformation")));
  REQUIRE(reinterpret_cast<void*>(query) != nullptr);
  constexpr ULONG kSystemExtendedHandleInformation = 64;
  constexpr LONG kInfoLengthMismatch = static_cast<LONG>(0xC0000004);
  std::vector<ULONG_PTR> buffer(1 << 14);
  LONG status;
  ULONG needed = 0;
  while ((status = query(kSystemExtendedHandleInformation, buffer.data(),
                         static_cast<ULONG>(buffer.size() * sizeof(ULONG_PTR)), &needed)) ==
         kInfoLengthMismatch) {
    buffer.resize(buffer.size() * 2);
  }
  REQUIRE(status == 0);
  const auto* table = reinterpret_cast<const Table*>(buffer.data());
  long n = 0;
  for (ULONG_PTR i = 0; i < table->count; ++i) {
    if (table->entries[i].process_id == GetCurrentProcessId()) ++n;
  }
  return n;
}

// The child's full path in Windows form (meson gives a Unix path, which Wine maps).
std::wstring child_path_w() {
  std::string path = child_path();
  std::wstring wide(path.begin(), path.end());
  wchar_t full[MAX_PATH];
  DWORD n = GetFullPathNameW(wide.c_str(), MAX_PATH, full, nullptr);
  REQUIRE((n > 0 && n < MAX_PATH));
  return full;
}

std::string narrow(const std::wstring& wide) {
  std::string out;
  for (wchar_t c : wide) {
    REQUIRE(c < 0x80);  // the temporary paths here are ASCII
    out += static_cast<char>(c);
  }
  return out;
}

// A fresh empty directory under %TEMP%, removed with what it holds at the end of the scope.
struct TempDir {
  std::wstring path;

  TempDir() {
    static int count = 0;
    wchar_t temp[MAX_PATH];
    REQUIRE(GetTempPathW(MAX_PATH, temp) > 0);
    path = std::wstring(temp) + L"pollux-process-" + std::to_wstring(GetCurrentProcessId()) +
           L"-" + std::to_wstring(++count);
    REQUIRE(CreateDirectoryW(path.c_str(), nullptr));
  }
  ~TempDir() {
    WIN32_FIND_DATAW found;
    HANDLE find = FindFirstFileW((path + L"\\*").c_str(), &found);
    if (find != INVALID_HANDLE_VALUE) {
      do {
        std::wstring name = found.cFileName;
        if (name != L"." && name != L"..") DeleteFileW((path + L"\\" + name).c_str());
      } while (FindNextFileW(find, &found));
      FindClose(find);
    }
    RemoveDirectoryW(path.c_str());
  }
  std::wstring file(const std::wstring& name) const { return path + L"\\" + name; }
  bool has(const std::wstring& name) const {
    return GetFileAttributesW(file(name).c_str()) != INVALID_FILE_ATTRIBUTES;
  }
};

// Makes `dir` the current directory for the scope.
struct InDirectory {
  std::wstring old;
  explicit InDirectory(const std::wstring& dir) {
    wchar_t buffer[MAX_PATH];
    REQUIRE(GetCurrentDirectoryW(MAX_PATH, buffer) > 0);
    old = buffer;
    REQUIRE(SetCurrentDirectoryW(dir.c_str()));
  }
  ~InDirectory() { SetCurrentDirectoryW(old.c_str()); }
};

// Puts `dir` first in this process's PATH for the scope.
struct OnPath {
  std::wstring old;
  explicit OnPath(const std::wstring& dir) {
    wchar_t buffer[32767];
    DWORD n = GetEnvironmentVariableW(L"PATH", buffer, 32767);
    old.assign(buffer, n);
    REQUIRE(SetEnvironmentVariableW(L"PATH", (dir + L";" + old).c_str()));
  }
  ~OnPath() { SetEnvironmentVariableW(L"PATH", old.c_str()); }
};

// Spawns argv and waits for its exit code.
int run(const std::vector<std::string>& argv) {
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  auto process = Process::spawn(argv, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  REQUIRE(!poll.registry().add(process, Token(1), Interest::readable));
  test::expect_events(poll, events, {{Token(1), test::kReadable}}, 10000ms);
  auto status = process.exit_status(ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  return *status.code();
}

int hash_of(const std::vector<std::string>& args) {
  std::vector<std::string_view> views(args.begin(), args.end());
  return test::args_hash(views.data(), static_cast<int>(views.size()));
}

// A batch file that hands all of its arguments on to `process_child hash`, and exits with
// what it returns: the checksum tells whether they arrived as they were sent.
std::wstring write_forwarding_script(const TempDir& dir, const std::wstring& name) {
  std::ofstream script(narrow(dir.file(name)), std::ios::binary);
  script << "@\"" << narrow(child_path_w()) << "\" hash %*\r\n"
         << "@exit /b %errorlevel%\r\n";
  script.close();
  REQUIRE(script);
  return dir.file(name);
}

}  // namespace

TEST_CASE("a process HANDLE adopted from CreateProcess reports its exit and code") {
  auto poll = test::init_with_poll();
  Events events(8);
  HANDLE handle = create_child("sleep 100 21");
  std::error_code ec;
  auto process = pollux::win::adopt_process(handle, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  CHECK(process.id() == GetProcessId(handle));
  REQUIRE(!poll.registry().add(process, Token(1), Interest::readable));
  test::expect_events(poll, events, {{Token(1), test::kReadable}}, 10000ms);
  auto status = process.exit_status(ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  CHECK(status.code() == 21);
}

TEST_CASE("adopt_process refuses what is not a process handle, and leaves it to the caller") {
  std::error_code ec;
  auto none = pollux::win::adopt_process(nullptr, ec);
  CHECK(ec == std::errc::bad_file_descriptor);
  CHECK(!none.is_open());
  (void)pollux::win::adopt_process(INVALID_HANDLE_VALUE, ec);
  CHECK(ec == std::errc::bad_file_descriptor);
  HANDLE event = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  REQUIRE(event != nullptr);
  (void)pollux::win::adopt_process(event, ec);
  CHECK(ec == std::errc::bad_file_descriptor);
  CHECK(CloseHandle(event));  // still ours: the failed adopt did not close it
}

TEST_CASE("Boost.Asio's object_handle sees the exit code that pollux reports") {
  auto poll = test::init_with_poll();
  Events events(8);
  std::vector<std::string> argv{child_path(), "sleep", "200", "42"};
  std::error_code ec;
  auto process = Process::spawn(argv, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  REQUIRE(!poll.registry().add(process, Token(7), Interest::readable));

  // Asio waits on a handle of its own, opened by id, in a thread of its own.
  HANDLE handle = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, process.id());
  REQUIRE(handle != nullptr);
  asio::io_context io;
  asio::windows::object_handle object(io, handle);
  DWORD asio_code = 0xFFFFFFFF;
  asio::error_code asio_ec;
  object.async_wait([&](const asio::error_code& e) {
    asio_ec = e;
    if (!e) GetExitCodeProcess(object.native_handle(), &asio_code);
  });
  std::thread runner([&] { io.run(); });

  test::expect_events(poll, events, {{Token(7), test::kReadable}}, 10000ms);
  auto status = process.exit_status(ec);
  runner.join();
  REQUIRE_MESSAGE(!ec, ec.message());
  REQUIRE_MESSAGE(!asio_ec, asio_ec.message());
  CHECK(status.code() == 42);
  CHECK(static_cast<int>(asio_code) == *status.code());
}

TEST_CASE("an exit code above INT_MAX comes back as the same 32 bits") {
  auto poll = test::init_with_poll();
  Events events(8);
  // 0xC0000005, what a crash with an access violation exits with.
  std::vector<std::string> argv{child_path(), "exit", "-1073741819"};
  std::error_code ec;
  auto process = Process::spawn(argv, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  REQUIRE(!poll.registry().add(process, Token(3), Interest::readable));
  test::expect_events(poll, events, {{Token(3), test::kReadable}}, 10000ms);
  auto status = process.exit_status(ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  CHECK(static_cast<DWORD>(*status.code()) == 0xC0000005u);
}

TEST_CASE("30 spawn, register, exit, destroy cycles leave the handle count where it was") {
  auto poll = test::init_with_poll();
  Events events(8);
  std::vector<std::string> argv{child_path(), "exit", "0"};
  auto cycle = [&](int i) {
    std::error_code ec;
    auto child = Process::spawn(argv, ec);
    REQUIRE_MESSAGE(!ec, ec.message());
    REQUIRE(!poll.registry().add(child, Token(1), Interest::readable));
    test::expect_events(poll, events, {{Token(1), test::kReadable}}, 10000ms);
    // Half are removed first; the others are destroyed while registered.
    if (i % 2 == 0) REQUIRE(!poll.registry().remove(child));
  };
  // Once first: the thread pool and the first CreateProcess keep some handles for good.
  cycle(0);
  const long before = count_handles();
  CHECK(before > 0);
  for (int i = 0; i < 30; ++i) cycle(i);
  CHECK(count_handles() == before);
}

TEST_CASE("the child inherits the standard handles only, not other inheritable handles") {
  // An inheritable pipe: once our write end is closed, a read end with no writer left says
  // ERROR_BROKEN_PIPE, while a child holding an inherited copy would keep it open.
  SECURITY_ATTRIBUTES inheritable{sizeof inheritable, nullptr, TRUE};
  HANDLE read_end = nullptr, write_end = nullptr;
  REQUIRE(CreatePipe(&read_end, &write_end, &inheritable, 0));
  std::vector<std::string> argv{child_path(), "sleep", "60000"};
  std::error_code ec;
  auto child = Process::spawn(argv, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  CloseHandle(write_end);
  DWORD available = 0;
  CHECK(!PeekNamedPipe(read_end, nullptr, 0, nullptr, &available, nullptr));
  CHECK(GetLastError() == ERROR_BROKEN_PIPE);
  CloseHandle(read_end);
  REQUIRE(!child.kill());
}

TEST_CASE("a program planted in the current directory is never run in place of the one meant") {
  TempDir dir;
  InDirectory cwd(dir.path);
  // A name that exists only in the current directory is not found at all...
  REQUIRE(CopyFileW(child_path_w().c_str(), dir.file(L"pollux_planted_child.exe").c_str(), TRUE));
  for (std::string name : {"pollux_planted_child", "pollux_planted_child.exe"}) {
    CAPTURE(name);
    std::vector<std::string> argv{name, "exit", "3"};
    std::error_code ec;
    auto process = Process::spawn(argv, ec);
    CHECK(ec == std::errc::no_such_file_or_directory);
    CHECK(!process.is_open());
  }
  // ...and one planted under a system program's name does not shadow it: the real cmd.exe
  // runs `exit 5`, where a planted process_child would answer 100 (an unknown command).
  REQUIRE(CopyFileW(child_path_w().c_str(), dir.file(L"cmd.exe").c_str(), TRUE));
  CHECK(run({"cmd", "/c", "exit 5"}) == 5);
}

TEST_CASE("a bare name is found in the program's directory, the system directory and PATH") {
  // process_child.exe sits next to this test's executable; .exe is appended.
  CHECK(run({"process_child", "exit", "3"}) == 3);
  CHECK(run({"cmd.exe", "/c", "exit 6"}) == 6);
  TempDir dir;
  REQUIRE(CopyFileW(child_path_w().c_str(), dir.file(L"pollux_path_child.exe").c_str(), TRUE));
  OnPath path(dir.path);
  CHECK(run({"pollux_path_child", "exit", "4"}) == 4);
  std::vector<std::string> argv{"pollux-there-is-no-such-program"};
  std::error_code ec;
  (void)Process::spawn(argv, ec);
  CHECK(ec == std::errc::no_such_file_or_directory);
}

TEST_CASE("a batch file gets hostile arguments as data, and cmd.exe runs nothing else") {
  TempDir dir;
  // The current directory is where an injected `echo INJECTED>pwned.txt` would write.
  InDirectory cwd(dir.path);
  const std::vector<std::string> hostile{
      "\"&echo INJECTED>pwned.txt", "\"&echo INJECTED>pwned.txt&\"", "a b", "&|<>()^",
      "\"", "\\", "x\\", "a\\\"b", "", ",;=", "tab\tx", "q\"\"", "!PATH!", "^\"^&x"};
  for (const wchar_t* name : {L"forward.bat", L"FORWARD2.CMD"}) {
    const std::wstring script = write_forwarding_script(dir, name);
    std::vector<std::string> argv{narrow(script)};
    argv.insert(argv.end(), hostile.begin(), hostile.end());
    CHECK(run(argv) == hash_of(hostile));
    CHECK(!dir.has(L"pwned.txt"));
    // Each injection alone too: in company, a mangled one might be hidden by its neighbours.
    for (const auto& arg : {hostile[0], hostile[1]}) {
      CAPTURE(arg);
      CHECK(run({narrow(script), arg}) == hash_of({arg}));
      CHECK(!dir.has(L"pwned.txt"));
    }
  }
}

TEST_CASE("batch file arguments that cmd.exe would expand or cut short are refused") {
  TempDir dir;
  InDirectory cwd(dir.path);
  const std::string script = narrow(write_forwarding_script(dir, L"forward.bat"));
  for (std::string arg : {"%PATH%", "100%", "a\nb", "a\rb", "a\r\n&echo INJECTED>pwned.txt"}) {
    CAPTURE(arg);
    std::vector<std::string> argv{script, "ok", arg};
    std::error_code ec;
    auto process = Process::spawn(argv, ec);
    CHECK(ec == std::errc::invalid_argument);
    CHECK(!process.is_open());
  }
  CHECK(!dir.has(L"pwned.txt"));
  // The same arguments are fine for a program: only cmd.exe treats them specially.
  std::vector<std::string> args{"%PATH%", "a\nb"};
  std::vector<std::string> argv{child_path(), "hash"};
  argv.insert(argv.end(), args.begin(), args.end());
  CHECK(run(argv) == hash_of(args));
}
