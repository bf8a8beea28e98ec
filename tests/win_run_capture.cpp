// SPDX-License-Identifier: MIT
// Drives examples/run_capture.exe under Wine: the child's stdout and stderr come back
// line by line with their prefixes, then its exit code. POLLUX_RUN_CAPTURE names the
// example, POLLUX_TEST_CHILD the child it runs (tests/process_child.cpp).

#include "win_run_util.hpp"

#include <string>
#include <vector>

using test::env;
using test::run;

namespace {

// run_capture's output as lines; its C runtime writes text mode, so each ends in CRLF.
std::vector<std::string> lines_of(const std::string& out) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = out.find("\r\n", start)) != std::string::npos; start = end + 2) {
    lines.push_back(out.substr(start, end - start));
  }
  CHECK_MESSAGE(start == out.size(), "output not ended by CRLF: " << out);
  return lines;
}

bool has(const std::vector<std::string>& lines, const std::string& line) {
  for (const auto& l : lines) {
    if (l == line) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("run_capture prefixes the child's stdout and stderr lines, then its exit code") {
  // process_child lines 7: "one" and "two" on stdout, "bad" on stderr, exit code 7.
  const auto result = run("\"" + env("POLLUX_RUN_CAPTURE") + "\" \"" +
                          env("POLLUX_TEST_CHILD") + "\" lines 7");
  INFO("output: ", result.out);
  const auto lines = lines_of(result.out);
  REQUIRE(lines.size() == 4);
  CHECK(has(lines, "out| one"));
  CHECK(has(lines, "out| two"));
  CHECK(has(lines, "err| bad"));
  CHECK(lines.back() == "exited with 7");
  CHECK(result.code == 0);
}

TEST_CASE("run_capture runs a program found in the system directory: cmd.exe /c echo") {
  // cmd.exe ends its lines with CRLF: run_capture's lines carry no stray CR.
  const auto result = run("\"" + env("POLLUX_RUN_CAPTURE") + "\" cmd.exe /c echo hello");
  INFO("output: ", result.out);
  const auto lines = lines_of(result.out);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0] == "out| hello");
  CHECK(lines[1] == "exited with 0");
  CHECK(result.code == 0);
}

TEST_CASE("run_capture reports a program that cannot be started, and exits 1") {
  const auto result = run("\"" + env("POLLUX_RUN_CAPTURE") + "\" pollux-no-such-program");
  CHECK(result.out.find("cannot start pollux-no-such-program") != std::string::npos);
  CHECK(result.code == 1);
}
