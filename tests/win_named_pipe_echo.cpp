// SPDX-License-Identifier: MIT
// Windows: drives examples/named_pipe_echo as a child process under Wine: its one line,
// concurrent clients, and transfers larger than its bounded per-connection buffer.
// (Console control events do not reach a headless Wine process: the server is terminated.)

#include "util.hpp"

#include <pollux/win/named_pipe.hpp>

#include <windows.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using pollux::win::NamedPipe;

namespace {

struct Child {
  PROCESS_INFORMATION process{};
  HANDLE out = nullptr;

  explicit Child(const std::string& pipe_name) {
    const char* path = std::getenv("POLLUX_NAMED_PIPE_ECHO");
    REQUIRE_MESSAGE(path != nullptr, "POLLUX_NAMED_PIPE_ECHO names the named_pipe_echo binary");
    SECURITY_ATTRIBUTES inherit{sizeof inherit, nullptr, TRUE};
    HANDLE write_end = nullptr;
    REQUIRE(CreatePipe(&out, &write_end, &inherit, 0));
    REQUIRE(SetHandleInformation(out, HANDLE_FLAG_INHERIT, 0));
    STARTUPINFOA startup{};
    startup.cb = sizeof startup;
    startup.dwFlags = STARTF_USESTDHANDLES;
    startup.hStdOutput = write_end;
    startup.hStdError = GetStdHandle(STD_ERROR_HANDLE);
    std::string command = "\"" + std::string(path) + "\" " + pipe_name;
    BOOL created = CreateProcessA(nullptr, command.data(), nullptr, nullptr, TRUE, 0, nullptr,
                                  nullptr, &startup, &process);
    CloseHandle(write_end);
    REQUIRE_MESSAGE(created, "CreateProcess failed: " << GetLastError());
  }
  ~Child() {
    TerminateProcess(process.hProcess, 1);
    WaitForSingleObject(process.hProcess, 5000);
    CloseHandle(process.hProcess);
    CloseHandle(process.hThread);
    CloseHandle(out);
  }
  // Everything it printed until `within` passed or its stdout closed.
  std::string output(std::chrono::milliseconds within) {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline) {
      DWORD available = 0;
      if (!PeekNamedPipe(out, nullptr, 0, nullptr, &available, nullptr)) break;
      if (available == 0) {
        std::this_thread::sleep_for(5ms);
        continue;
      }
      char buf[256];
      DWORD n = 0;
      if (!ReadFile(out, buf, sizeof buf, &n, nullptr) || n == 0) break;
      text.append(buf, n);
    }
    return text;
  }
};

// One blocking client: sends `size` bytes while reading the echo back; true when the echo
// matches. Runs on its own thread, so it reports instead of asserting.
bool echo_client(const std::string& name, std::size_t size, int seed) {
  std::error_code ec;
  auto pipe = NamedPipe::connect_client(name, {}, 10s, ec);
  if (ec) return false;
  HANDLE h = pipe.handle();
  std::string data(size, '\0');
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>((i * 31 + seed) & 0xff);
  std::string got;
  OVERLAPPED wov{}, rov{};
  wov.hEvent = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  rov.hEvent = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  std::size_t sent = 0;
  bool writing = false, reading = false, ok = true;
  char buf[8192];
  test::StallGuard guard(15s);
  while (got.size() < size && ok && guard.alive(sent + got.size())) {
    if (!writing && sent < size) {
      DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(size - sent, 32 * 1024));
      ResetEvent(wov.hEvent);
      if (!WriteFile(h, data.data() + sent, chunk, nullptr, &wov) && GetLastError() != ERROR_IO_PENDING) ok = false;
      writing = true;
    }
    if (!reading) {
      ResetEvent(rov.hEvent);
      if (!ReadFile(h, buf, sizeof buf, nullptr, &rov) && GetLastError() != ERROR_IO_PENDING) ok = false;
      reading = true;
    }
    DWORD n = 0;
    if (writing && GetOverlappedResult(h, &wov, &n, FALSE)) {
      sent += n;
      writing = false;
    }
    if (reading && GetOverlappedResult(h, &rov, &n, FALSE)) {
      got.append(buf, n);
      reading = false;
    } else if (reading && GetLastError() != ERROR_IO_INCOMPLETE) {
      ok = false;
    }
    if (reading && (writing || sent == size)) {
      HANDLE both[2] = {rov.hEvent, wov.hEvent};
      WaitForMultipleObjects(writing ? 2 : 1, both, FALSE, 50);
    }
  }
  CancelIoEx(h, nullptr);
  DWORD n = 0;
  if (reading) GetOverlappedResult(h, &rov, &n, TRUE);
  if (writing) GetOverlappedResult(h, &wov, &n, TRUE);
  CloseHandle(wov.hEvent);
  CloseHandle(rov.hEvent);
  return ok && got == data;
}

}  // namespace

TEST_CASE("named_pipe_echo prints one line, then echoes concurrent clients") {
  const std::string name = "\\\\.\\pipe\\pollux-echo-example-" + std::to_string(GetCurrentProcessId());
  Child child(name);
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    line += child.output(100ms);
  }
  CHECK((line == "listening on " + name + "\n" || line == "listening on " + name + "\r\n"));

  constexpr int kClients = 8;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    // Half of them move more than the server's 64 KiB per-connection buffer.
    clients.emplace_back([&, i] {
      if (echo_client(name, i % 2 == 0 ? 300 * 1024 : 1000 + i, i)) ++ok;
    });
  }
  for (auto& t : clients) t.join();
  CHECK(ok == kClients);
  // Still serving, and it printed nothing more.
  CHECK(echo_client(name, 10, 99));
  CHECK(WaitForSingleObject(child.process.hProcess, 0) == WAIT_TIMEOUT);
  CHECK(child.output(50ms).empty());
}
