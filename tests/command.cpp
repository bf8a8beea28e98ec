// SPDX-License-Identifier: MIT
// Command on every backend: piped stdio driven by one Poll, kill, kill_on_drop, no fd or
// handle left behind, bad input. The child is tests/process_child.cpp (POLLUX_TEST_CHILD).

#include "command_util.hpp"
#include "process_child.hpp"
#include "util.hpp"

#include <pollux/command.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using pollux::Child;
using pollux::Command;
using pollux::Events;
using pollux::Interest;
using pollux::Process;
using pollux::Stdio;
using pollux::Token;

namespace {

constexpr std::size_t kBig = 8u << 20;  // 8 MiB each way: far more than any pipe buffer

std::string pattern(std::size_t n, unsigned stream) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(test::pattern_byte(i, stream));
  return s;
}

Command child_command(std::vector<std::string> args) {
  Command command(test::command_child_path());
  command.args(args);
  return command;
}

Child spawn(const Command& command) {
  std::error_code ec;
  Child child = command.spawn(ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  REQUIRE(child.process().is_open());
  return child;
}

}  // namespace

TEST_CASE("8 MiB through stdin, stdout and stderr at once: no deadlock, nothing lost") {
  auto poll = test::init_with_poll();
  const std::string n = std::to_string(kBig);
  Command command = child_command({"pipe", n, n, n});
  command.set_stdin(Stdio::piped).set_stdout(Stdio::piped).set_stderr(Stdio::piped);
  Child child = spawn(command);
  const std::string input = pattern(kBig, 0);
  const test::Outcome outcome = test::run_to_end(poll, child, input);
  CHECK(outcome.written == kBig);
  CHECK(outcome.out.size() == kBig);
  CHECK(outcome.err.size() == kBig);
  CHECK((outcome.out == pattern(kBig, 1)));
  CHECK((outcome.err == pattern(kBig, 2)));
  CHECK(outcome.status.code() == std::optional<int>(0));  // the child saw all of stdin
}

TEST_CASE("a child killed mid-write: its stdout ends, its exit is reported") {
  auto poll = test::init_with_poll();
  Child child = spawn(child_command({"spew"}).set_stdout(Stdio::piped));
  Events events(8);
  REQUIRE(!poll.registry().add(child.stdout_pipe(), Token(2), Interest::readable));
  // Wait until the child is writing for certain, then kill it.
  test::expect_events(poll, events, {{Token(2), test::kReadable}}, 30000ms);
  REQUIRE(!child.kill());
  const test::Outcome outcome = test::run_to_end(poll, child, {}, /*registered=*/true);
  CHECK(!outcome.out.empty());
  CHECK(!outcome.status.success());
  CHECK(outcome.status == test::killed_status());
}

TEST_CASE("kill_on_drop kills a child that still runs; without it the child lives on") {
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  Process watcher;
  {
    Child child = spawn(child_command({"sleep", "600000"}).kill_on_drop(true));
    watcher = Process::adopt(child.id(), ec);
    REQUIRE_MESSAGE(!ec, ec.message());
  }
  REQUIRE(!poll.registry().add(watcher, Token(1), Interest::readable));
  test::expect_events(poll, events, {{Token(1), test::kReadable}}, 30000ms);

  // The same child without the option: still running after its Child is gone.
  Process survivor;
  {
    Child child = spawn(child_command({"sleep", "600000"}));
    survivor = Process::adopt(child.id(), ec);
    REQUIRE_MESSAGE(!ec, ec.message());
  }
  REQUIRE(!poll.registry().remove(watcher));
  REQUIRE(!poll.registry().add(survivor, Token(2), Interest::readable));
  bool exited = false;
  REQUIRE(!poll.poll(events, 200ms));
  for (const auto& event : events) exited = exited || event.token() == Token(2);
  REQUIRE(!survivor.kill());  // before checking, so that a failure leaves no child behind
  CHECK(!exited);
  test::expect_events(poll, events, {{Token(2), test::kReadable}}, 30000ms);
}

TEST_CASE("kill_on_drop leaves alone a child whose exit was already seen") {
  auto poll = test::init_with_poll();
  Child child = spawn(child_command({"exit", "4"}).kill_on_drop(true));
  const test::Outcome outcome = test::run_to_end(poll, child, {});
  CHECK(outcome.status.code() == std::optional<int>(4));
  Child moved = std::move(child);  // and moving it on kills nothing either
  std::error_code ec;
  CHECK(moved.exit_status(ec).code() == std::optional<int>(4));
  CHECK(!ec);
}

TEST_CASE("200 spawns with piped stdio leave no fd or handle behind") {
  auto poll = test::init_with_poll();
  // One spawn first: the Process reaper's thread and libc's lazily opened files are there
  // for good once started.
  auto one = [&](int i) {
    Child child = spawn(child_command({"echo"})
                            .set_stdin(Stdio::piped)
                            .set_stdout(Stdio::piped)
                            .set_stderr(Stdio::piped));
    const std::string line = "line " + std::to_string(i) + "\n";
    const test::Outcome outcome = test::run_to_end(poll, child, line);
    REQUIRE(outcome.out == line);
    REQUIRE(outcome.status.success());
  };
  one(-1);
  const long before = test::open_handle_count();
  for (int i = 0; i < 200; ++i) one(i);
  const long after = test::open_handle_count();
  if (before >= 0) CHECK(after == before);
}

TEST_CASE("null and inherited streams; a Child without pipes") {
  auto poll = test::init_with_poll();
  Child child = spawn(child_command({"echo"}).set_stdin(Stdio::null).set_stdout(Stdio::null));
  CHECK(!child.stdin_pipe().is_open());
  CHECK(!child.stdout_pipe().is_open());
  const test::Outcome outcome = test::run_to_end(poll, child, {});
  CHECK(outcome.status.success());  // stdin at end-of-file at once
  std::error_code ec;
  std::byte b[1];
  CHECK(child.stdout_pipe().read(b, ec) == 0);
  CHECK(ec == std::errc::bad_file_descriptor);
}

TEST_CASE("environment: set, remove, clear") {
  auto poll = test::init_with_poll();
  auto value_of = [&](Command command) {
    Child child = spawn(command.set_stdout(Stdio::piped));
    return test::run_to_end(poll, child, {}).out;
  };
  CHECK(value_of(child_command({"env", "POLLUX_CMD_A"}).env("POLLUX_CMD_A", "one two")) ==
        "one two");
  CHECK(value_of(child_command({"env", "POLLUX_CMD_A"})
                     .env("POLLUX_CMD_A", "x")
                     .env_remove("POLLUX_CMD_A")) == "<unset>");
  CHECK(value_of(child_command({"env", "POLLUX_CMD_A"})
                     .env("POLLUX_CMD_A", "x")
                     .env("POLLUX_CMD_A", "y")) == "y");
  CHECK(value_of(child_command({"env", "POLLUX_TEST_CHILD"})) == test::command_child_path());
  CHECK(value_of(child_command({"env", "POLLUX_TEST_CHILD"}).env_clear()) == "<unset>");
  CHECK(value_of(child_command({"env", "POLLUX_CMD_B"}).env_clear().env("POLLUX_CMD_B", "b")) ==
        "b");
}

TEST_CASE("current_dir") {
  // The child's answer is checked by a file made in the directory beforehand rather than
  // by comparing paths: under mingw (msvcrt's _wstat) std::filesystem::equivalent fails
  // for a directory written with a trailing backslash, as temp_directory_path gives it.
  auto poll = test::init_with_poll();
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("pollux-cwd-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  fs::create_directories(dir);
  const std::string marker = "pollux-cwd-marker";
  { std::ofstream(dir / marker) << "x"; }
  Child child = spawn(child_command({"cwd"}).current_dir(dir.string()).set_stdout(Stdio::piped));
  const std::string out = test::run_to_end(poll, child, {}).out;
  INFO("the child says its directory is ", out, "; asked for ", dir.string());
  CHECK(!out.empty());
  CHECK(fs::exists(fs::path(out) / marker));
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST_CASE("a PATH the Command sets is where the program is looked up") {
  // A copy of the child under a name found nowhere else, in a directory of its own that
  // only the Command's PATH names. Without that PATH (this program's is searched) it is
  // not found.
  auto poll = test::init_with_poll();
  namespace fs = std::filesystem;
  const std::string unique =
      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  const fs::path dir = fs::temp_directory_path() / ("pollux-path-" + unique);
  const std::string name = "pollux-path-probe-" + unique;
  fs::create_directories(dir);
  const fs::path child = test::command_child_path();
  fs::copy_file(child, dir / (name + child.extension().string()));

  Command found(name);
  found.args({"exit", "3"}).env("PATH", dir.string());
  Child child_found = spawn(found);
  CHECK(test::run_to_end(poll, child_found, {}).status.code() == std::optional<int>(3));

  std::error_code ec;
  Child missing = Command(name).args({"exit", "3"}).spawn(ec);
  CHECK(ec == std::errc::no_such_file_or_directory);
  CHECK(!missing.process().is_open());
  fs::remove_all(dir, ec);
}

TEST_CASE("bad input gets a clear error and leaves nothing behind") {
  const long before = test::open_handle_count();
  auto error_of = [](const Command& command) {
    std::error_code ec;
    Child child = command.spawn(ec);
    CHECK(!child.process().is_open());
    CHECK(!child.stdout_pipe().is_open());
    return ec;
  };
  using E = std::errc;
  CHECK(error_of(Command("").set_stdout(Stdio::piped)) == E::invalid_argument);
  CHECK(error_of(Command(std::string("a\0b", 3))) == E::invalid_argument);
  CHECK(error_of(child_command({std::string("x\0y", 3)})) == E::invalid_argument);
  CHECK(error_of(child_command({}).env("A=B", "c")) == E::invalid_argument);
  CHECK(error_of(child_command({}).env("", "c")) == E::invalid_argument);
  CHECK(error_of(child_command({}).env("A", std::string("c\0d", 3))) == E::invalid_argument);
  CHECK(error_of(child_command({}).current_dir("")) == E::invalid_argument);
  CHECK(error_of(Command("pollux-no-such-program-7f3a").set_stdout(Stdio::piped)
                     .set_stdin(Stdio::piped)) == E::no_such_file_or_directory);
  CHECK(error_of(child_command({}).current_dir("pollux-no-such-dir-7f3a")
                     .set_stderr(Stdio::piped)) == E::no_such_file_or_directory);
  const long after = test::open_handle_count();
  if (before >= 0) CHECK(after == before);
}

TEST_CASE("two threads spawning at once: no child inherits the other's pipe") {
  // If the sleeper inherited the quick child's stdout (a pipe end made while it was being
  // spawned), that stdout would not end until the sleeper does: the drain below would hang
  // and fail on its guard. The threads only record; the main thread asserts, and
  // builds the Commands too: command_child_path holds a doctest assertion, and under Wine
  // (mingw's static winpthreads) doctest's per-thread stream, destroyed when the thread
  // exits, corrupts the heap (a page fault; the sleeper, left behind, then holds the test's
  // stderr open and meson waits for it).
  auto poll = test::init_with_poll();
  for (int round = 0; round < 20; ++round) {
    std::error_code sleeper_ec, quick_ec;
    Child sleeper, quick;
    std::atomic<int> ready{0};
    auto start_together = [&ready] {
      ready.fetch_add(1);
      while (ready.load() < 2) std::this_thread::yield();
    };
    Command sleeper_command = child_command({"sleep", "600000"});
    sleeper_command.set_stdin(Stdio::piped).set_stdout(Stdio::piped).kill_on_drop(true);
    Command quick_command = child_command({"lines", "0"});
    quick_command.set_stdout(Stdio::piped).set_stderr(Stdio::null);
    std::thread a([&] {
      start_together();
      sleeper = sleeper_command.spawn(sleeper_ec);
    });
    std::thread b([&] {
      start_together();
      quick = quick_command.spawn(quick_ec);
    });
    a.join();
    b.join();
    REQUIRE_MESSAGE(!sleeper_ec, sleeper_ec.message());
    REQUIRE_MESSAGE(!quick_ec, quick_ec.message());
    const test::Outcome outcome = test::run_to_end(poll, quick, {});
    CHECK(outcome.out == "one\ntwo\n");
    CHECK(!sleeper.kill());
  }
}
