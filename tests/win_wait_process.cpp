// SPDX-License-Identifier: MIT
// Drives examples/wait_process.exe under Wine: its one line of output and its exit code.
// POLLUX_WAIT_PROCESS names the example, POLLUX_TEST_CHILD the child it is asked to run.

#include "util.hpp"

#include <windows.h>

#include <cstdlib>
#include <string>

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  REQUIRE_MESSAGE(value != nullptr, name << " is not set (run through meson test)");
  return value;
}

struct Run {
  std::string out;
  DWORD code = 0;
};

// Runs `line` with stdout and stderr on one pipe; returns what it wrote and its exit code.
Run run(std::string line) {
  SECURITY_ATTRIBUTES inheritable{sizeof inheritable, nullptr, TRUE};
  HANDLE read_end = nullptr, write_end = nullptr;
  REQUIRE(CreatePipe(&read_end, &write_end, &inheritable, 0));
  REQUIRE(SetHandleInformation(read_end, HANDLE_FLAG_INHERIT, 0));
  STARTUPINFOA startup{};
  startup.cb = sizeof startup;
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
  startup.hStdOutput = write_end;
  startup.hStdError = write_end;
  PROCESS_INFORMATION info{};
  REQUIRE(CreateProcessA(nullptr, line.data(), nullptr, nullptr, TRUE, 0, nullptr, nullptr,
                         &startup, &info));
  CloseHandle(info.hThread);
  CloseHandle(write_end);
  Run result;
  char buf[256];
  DWORD n = 0;
  while (ReadFile(read_end, buf, sizeof buf, &n, nullptr) && n > 0) result.out.append(buf, n);
  CloseHandle(read_end);
  REQUIRE(WaitForSingleObject(info.hProcess, 30000) == WAIT_OBJECT_0);
  REQUIRE(GetExitCodeProcess(info.hProcess, &result.code));
  CloseHandle(info.hProcess);
  return result;
}

}  // namespace

TEST_CASE("wait_process prints the child's exit code and exits 0") {
  auto result = run("\"" + env("POLLUX_WAIT_PROCESS") + "\" \"" + env("POLLUX_TEST_CHILD") +
                    "\" exit 7");
  // The C runtime writes text mode: the line ends in CRLF on Windows.
  CHECK(result.out == "exited with 7\r\n");
  CHECK(result.code == 0);
}

TEST_CASE("wait_process reports a program that cannot be started, and exits non-zero") {
  auto result = run("\"" + env("POLLUX_WAIT_PROCESS") + "\" pollux-no-such-program");
  CHECK(result.out.find("cannot start pollux-no-such-program") != std::string::npos);
  CHECK(result.code == 1);
}
