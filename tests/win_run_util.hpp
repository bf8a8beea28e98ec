// SPDX-License-Identifier: MIT
#pragma once
// Running an example program under Wine from a test: its stdout and stderr on one pipe,
// and its exit code (tests/win_wait_process.cpp, tests/win_run_capture.cpp).

#include "util.hpp"

#include <windows.h>

#include <cstdlib>
#include <string>

namespace test {

inline std::string env(const char* name) {
  const char* value = std::getenv(name);
  REQUIRE_MESSAGE(value != nullptr, name << " is not set (run through meson test)");
  return value;
}

struct Run {
  std::string out;
  DWORD code = 0;
};

/// Runs `line` with stdout and stderr on one pipe; returns what it wrote and its exit code.
inline Run run(std::string line) {
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

}  // namespace test
