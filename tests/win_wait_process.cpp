// SPDX-License-Identifier: MIT
// Drives examples/wait_process.exe under Wine: its one line of output and its exit code.
// POLLUX_WAIT_PROCESS names the example, POLLUX_TEST_CHILD the child it is asked to run.

#include "win_run_util.hpp"

using test::env;
using test::run;

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
