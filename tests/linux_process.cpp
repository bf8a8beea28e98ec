// SPDX-License-Identifier: MIT
// Process over pidfd: what only Linux shows (signals, zombies, children started without
// pollux, processes that are not our children). tests/process.cpp has the portable cases.

#include "util.hpp"

#include <pollux/process.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::ExitStatus;
using pollux::Interest;
using pollux::Process;
using pollux::Token;

namespace {

Process spawn(std::vector<std::string> argv) {
  std::error_code ec;
  auto process = Process::spawn(argv, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  return process;
}

ExitStatus wait_for_exit(Process& process) {
  auto poll = test::init_with_poll();
  Events events(8);
  REQUIRE(!poll.registry().add(process, Token(1), Interest::readable));
  test::expect_events(poll, events, {{Token(1), test::kReadable}}, 10000ms);
  std::error_code ec;
  auto status = process.exit_status(ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  return status;
}

// 'Z' for a zombie, 0 once the pid is gone (reaped).
char process_state(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return 0;
  auto paren = line.rfind(')');
  return paren + 2 < line.size() ? line[paren + 2] : 0;
}

void sleep_ms(long ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1'000'000};
  while (::nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

}  // namespace

TEST_CASE("a shell's exit code and a signal death are told apart") {
  auto seven = spawn({"/bin/sh", "-c", "exit 7"});
  auto status = wait_for_exit(seven);
  CHECK(status.code() == 7);
  CHECK(!status.signal());

  auto killed = spawn({"/bin/sh", "-c", "kill -TERM $$"});
  status = wait_for_exit(killed);
  CHECK(status.signal() == SIGTERM);
  CHECK(!status.code());
  CHECK(!status.success());
}

TEST_CASE("a name without a slash is looked up in PATH") {
  auto t = spawn({"true"});
  CHECK(wait_for_exit(t).success());
  auto f = spawn({"false"});
  CHECK(wait_for_exit(f).code() == 1);
  std::error_code ec;
  std::vector<std::string> argv{"pollux-there-is-no-such-program"};
  (void)Process::spawn(argv, ec);
  CHECK(ec == std::errc::no_such_file_or_directory);
}

TEST_CASE("a program that cannot be executed is permission_denied") {
  std::error_code ec;
  std::vector<std::string> argv{"/"};
  (void)Process::spawn(argv, ec);
  CHECK(ec == std::errc::permission_denied);
}

TEST_CASE("the child starts with SIGPIPE at its default even when the parent ignores it") {
  struct sigaction ignore {}, old{};
  ignore.sa_handler = SIG_IGN;
  REQUIRE(::sigaction(SIGPIPE, &ignore, &old) == 0);
  auto child = spawn({"/bin/sh", "-c", "kill -PIPE $$; exit 3"});
  ::sigaction(SIGPIPE, &old, nullptr);
  CHECK(wait_for_exit(child).signal() == SIGPIPE);
}

TEST_CASE("a child destroyed while it runs is reaped when it exits: no zombie") {
  pid_t pid;
  {
    auto child = spawn({"/bin/sh", "-c", "sleep 0.2"});
    pid = static_cast<pid_t>(child.id());
    CHECK(process_state(pid) != 0);
  }
  char state = 'Z';
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while ((state = process_state(pid)) != 0 && std::chrono::steady_clock::now() < deadline) {
    sleep_ms(20);
  }
  CHECK_MESSAGE(state == 0, "pid " << pid << " is still there in state " << state);
}

TEST_CASE("a child that has exited is reaped when its Process is destroyed") {
  pid_t pid;
  {
    auto child = spawn({"true"});
    pid = static_cast<pid_t>(child.id());
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (process_state(pid) != 'Z' && std::chrono::steady_clock::now() < deadline) sleep_ms(5);
    REQUIRE(process_state(pid) == 'Z');
  }
  CHECK(process_state(pid) == 0);
}

TEST_CASE("the id of a reaped child names no process any more") {
  auto child = spawn({"true"});
  CHECK(wait_for_exit(child).success());
  auto id = child.id();
  std::error_code ec;
  (void)Process::adopt(id, ec);
  CHECK(ec == std::errc::no_such_process);
}

TEST_CASE("adopting a child started with fork") {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    sleep_ms(200);
    ::_exit(9);
  }
  std::error_code ec;
  auto child = Process::adopt(static_cast<Process::Id>(pid), ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  CHECK(wait_for_exit(child).code() == 9);
  // The pidfd reaped it: nothing is left for waitpid.
  CHECK(::waitpid(pid, nullptr, WNOHANG) < 0);
  CHECK(errno == ECHILD);
}

TEST_CASE("a process that is not our child: exit reported, status out of reach") {
  // The parent of this test runs on; its status is not ours to take.
  std::error_code ec;
  auto parent = Process::adopt(static_cast<Process::Id>(::getppid()), ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  (void)parent.exit_status(ec);
  CHECK(ec == std::errc::operation_would_block);

  // A grandchild is reparented when its parent exits, so it is no child of ours. It runs
  // until the test closes its end of `hold`.
  int report[2], hold[2];
  REQUIRE(::pipe2(report, O_CLOEXEC) == 0);
  REQUIRE(::pipe2(hold, O_CLOEXEC) == 0);
  pid_t middle = ::fork();
  REQUIRE(middle >= 0);
  if (middle == 0) {
    pid_t grandchild = ::fork();
    if (grandchild == 0) {
      ::close(hold[1]);
      char c;
      (void)!::read(hold[0], &c, 1);
      ::_exit(0);
    }
    (void)!::write(report[1], &grandchild, sizeof grandchild);
    ::_exit(0);
  }
  ::close(report[1]);
  ::close(hold[0]);
  pid_t grandchild = 0;
  REQUIRE(::read(report[0], &grandchild, sizeof grandchild) == sizeof grandchild);
  ::close(report[0]);
  REQUIRE(::waitpid(middle, nullptr, 0) == middle);
  auto adopted = Process::adopt(static_cast<Process::Id>(grandchild), ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  auto poll = test::init_with_poll();
  Events events(8);
  REQUIRE(!poll.registry().add(adopted, Token(2), Interest::readable));
  test::expect_no_events(poll, events);
  ::close(hold[1]);
  test::expect_events(poll, events, {{Token(2), test::kReadable}}, 10000ms);
  (void)adopted.exit_status(ec);
  CHECK(ec == std::errc::no_child_process);
}

TEST_CASE("200 spawn, register, exit, destroy cycles leak no fds and leave no zombies") {
  auto count_fds = [] {
    int n = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
      (void)entry;
      ++n;
    }
    return n;
  };
  auto poll = test::init_with_poll();
  Events events(8);
  const int before = count_fds();
  for (int i = 0; i < 200; ++i) {
    auto child = spawn({"true"});
    REQUIRE(!poll.registry().add(child, Token(1), Interest::readable));
    test::expect_events(poll, events, {{Token(1), test::kReadable}}, 10000ms);
    if (i % 2 == 0) {
      // Half collect the status themselves; the other half leave it to the destructor.
      std::error_code ec;
      REQUIRE(child.exit_status(ec).success());
    }
  }
  CHECK(count_fds() == before);
  CHECK(::waitpid(-1, nullptr, WNOHANG) < 0);
  CHECK(errno == ECHILD);
}

TEST_CASE("with SIGCHLD ignored, every spawn of a program that starts succeeds") {
  // The kernel reaps such children at once, possibly before spawn has a handle on them. A
  // spawn that then answered an error although the program ran would make a caller that
  // retries run it twice.
  struct sigaction ignore {}, old{};
  ignore.sa_handler = SIG_IGN;
  REQUIRE(::sigaction(SIGCHLD, &ignore, &old) == 0);
  auto poll = test::init_with_poll();
  Events events(8);
  int failures = 0, unreported = 0;
  std::error_code first;
  for (int i = 0; i < 200; ++i) {
    std::error_code ec;
    std::vector<std::string> argv{"true"};
    auto child = Process::spawn(argv, ec);
    if (ec) {
      if (!first) first = ec;
      ++failures;
      continue;
    }
    if (poll.registry().add(child, Token(1), Interest::readable)) {
      ++unreported;
      continue;
    }
    // No status to collect (the kernel took it), but the exit is still reported.
    test::expect_events(poll, events, {{Token(1), test::kReadable}}, 10000ms);
    (void)child.exit_status(ec);
    if (ec && ec != std::errc::no_child_process) ++unreported;
  }
  ::sigaction(SIGCHLD, &old, nullptr);
  CHECK_MESSAGE(failures == 0, failures << " of 200 spawns failed, first: " << first.message());
  CHECK(unreported == 0);
}
