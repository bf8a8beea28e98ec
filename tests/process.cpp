// SPDX-License-Identifier: MIT
// Process on every backend: exit reported as readable, status, registration rules, errors.
// The child is tests/process_child.cpp, found through POLLUX_TEST_CHILD (set by meson).

#include "process_child.hpp"
#include "util.hpp"

#include <pollux/process.hpp>

#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::ExitStatus;
using pollux::Interest;
using pollux::Process;
using pollux::Token;

namespace {

std::string child_path() {
  const char* path = std::getenv("POLLUX_TEST_CHILD");
  REQUIRE_MESSAGE(path != nullptr, "POLLUX_TEST_CHILD is not set (run through meson test)");
  return path;
}

Process spawn_child(std::vector<std::string> args) {
  args.insert(args.begin(), child_path());
  std::error_code ec;
  auto process = Process::spawn(args, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  REQUIRE(process.is_open());
  CHECK(process.id() != 0);
  return process;
}

Process exit_with(int code) { return spawn_child({"exit", std::to_string(code)}); }

Process sleep_then_exit(int ms, int code = 0) {
  return spawn_child({"sleep", std::to_string(ms), std::to_string(code)});
}

// Polls until the process reports its exit and returns the status.
ExitStatus wait_for_exit(pollux::Poll& poll, Events& events, Process& process, Token token) {
  test::expect_events(poll, events, {{token, test::kReadable}}, 10000ms);
  std::error_code ec;
  auto status = process.exit_status(ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  return status;
}

}  // namespace

TEST_CASE("a child's exit is reported as readable, with its exit code") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto process = sleep_then_exit(100, 7);
  REQUIRE(!poll.registry().add(process, Token(5), Interest::readable));
  auto status = wait_for_exit(poll, events, process, Token(5));
  CHECK(status.code() == 7);
  CHECK(!status.signal());
  CHECK(!status.success());
  // The status is kept: asking again gives the same answer.
  std::error_code ec;
  CHECK(process.exit_status(ec) == status);
  CHECK(!ec);
  REQUIRE(!poll.registry().remove(process));
}

TEST_CASE("exit codes 0 and 255 come back as they were") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto zero = exit_with(0);
  auto high = exit_with(255);
  REQUIRE(!poll.registry().add(zero, Token(0), Interest::readable));
  REQUIRE(!poll.registry().add(high, Token(1), Interest::readable));
  test::expect_events(poll, events, {{Token(0), test::kReadable}, {Token(1), test::kReadable}},
                      10000ms);
  std::error_code ec;
  CHECK(zero.exit_status(ec).success());
  CHECK(!ec);
  CHECK(high.exit_status(ec).code() == 255);
  CHECK(!ec);
}

TEST_CASE("arguments reach the child unchanged: spaces, quotes, backslashes, empty ones") {
  auto poll = test::init_with_poll();
  Events events(8);
  std::vector<std::string> args{"a b",      "quote\"d", "tail\\", "\\\\server\\share\\",
                                "",         "\\\"",   "\t tab", "x\"y z\"",
                                "plain"};
  std::vector<std::string_view> views(args.begin(), args.end());
  const int expected = test::args_hash(views.data(), static_cast<int>(views.size()));
  args.insert(args.begin(), "hash");
  auto process = spawn_child(args);
  REQUIRE(!poll.registry().add(process, Token(6), Interest::readable));
  CHECK(wait_for_exit(poll, events, process, Token(6)).code() == expected);
}

TEST_CASE("exit_status is would-block while the child runs, and an event follows") {
  auto poll = test::init_with_poll();
  Events events(8);
  // It would sleep for a minute: the test ends it, so no timing decides the outcome.
  auto process = sleep_then_exit(60000, 4);
  REQUIRE(!poll.registry().add(process, Token(2), Interest::readable));
  std::error_code ec;
  (void)process.exit_status(ec);
  CHECK(ec == std::errc::operation_would_block);
  test::expect_no_events(poll, events);
  (void)process.exit_status(ec);
  CHECK(ec == std::errc::operation_would_block);
  REQUIRE(!process.kill());
  CHECK(!wait_for_exit(poll, events, process, Token(2)).success());
}

TEST_CASE("a child that exited before it was added still reports") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto process = exit_with(3);
  // Watch it on a first Poll until it has certainly exited, then hand it to the second.
  {
    auto first = test::init_with_poll();
    REQUIRE(!first.registry().add(process, Token(1), Interest::readable));
    test::expect_events(first, events, {{Token(1), test::kReadable}}, 10000ms);
    REQUIRE(!first.registry().remove(process));
  }
  REQUIRE(!poll.registry().add(process, Token(9), Interest::readable));
  CHECK(wait_for_exit(poll, events, process, Token(9)).code() == 3);
}

TEST_CASE("a child whose status was already collected still reports when added") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto process = exit_with(6);
  std::error_code ec;
  ExitStatus status = ExitStatus::exited(-1);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  do {
    status = process.exit_status(ec);
    if (ec == std::errc::operation_would_block) std::this_thread::sleep_for(10ms);
  } while (ec == std::errc::operation_would_block && std::chrono::steady_clock::now() < deadline);
  REQUIRE_MESSAGE(!ec, ec.message());
  CHECK(status.code() == 6);
  REQUIRE(!poll.registry().add(process, Token(4), Interest::readable));
  CHECK(wait_for_exit(poll, events, process, Token(4)).code() == 6);
}

TEST_CASE("after remove, the exit is not reported") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto process = sleep_then_exit(200, 1);
  REQUIRE(!poll.registry().add(process, Token(8), Interest::readable));
  REQUIRE(!poll.registry().remove(process));
  // Long enough for the child to exit (it sleeps 200 ms) on a loaded machine.
  test::expect_no_events(poll, events, 1000ms);
  // Added again, it reports: the exit was not lost, only unwatched.
  REQUIRE(!poll.registry().add(process, Token(8), Interest::readable));
  CHECK(wait_for_exit(poll, events, process, Token(8)).code() == 1);
}

TEST_CASE("modify changes the token") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto process = sleep_then_exit(200, 2);
  REQUIRE(!poll.registry().add(process, Token(1), Interest::readable));
  REQUIRE(!poll.registry().modify(process, Token(2), Interest::readable));
  CHECK(wait_for_exit(poll, events, process, Token(2)).code() == 2);
}

TEST_CASE("several children at once: each exit under its own token") {
  auto poll = test::init_with_poll();
  Events events(4);  // fewer than the children: the rest come with later polls
  constexpr int kChildren = 8;
  std::vector<Process> children;
  std::vector<ExitStatus> statuses(kChildren, ExitStatus::exited(-1));
  std::vector<bool> done(kChildren, false);
  for (int i = 0; i < kChildren; ++i) {
    children.push_back(sleep_then_exit(20 * (kChildren - i), 10 + i));
    REQUIRE(!poll.registry().add(children.back(), Token(100 + i), Interest::readable));
  }
  int finished = 0;
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (finished < kChildren && std::chrono::steady_clock::now() < deadline) {
    REQUIRE(!poll.poll(events, 1s));
    for (const auto& e : events) {
      REQUIRE(e.token().value() >= 100);
      std::size_t i = e.token().value() - 100;
      REQUIRE(i < kChildren);
      CHECK(e.is_readable());
      std::error_code ec;
      auto status = children[i].exit_status(ec);
      if (ec == std::errc::operation_would_block) continue;  // spurious: allowed
      REQUIRE_MESSAGE(!ec, ec.message());
      if (!done[i]) ++finished;
      done[i] = true;
      statuses[i] = status;
    }
  }
  REQUIRE(finished == kChildren);
  for (int i = 0; i < kChildren; ++i) CHECK(statuses[i].code() == 10 + i);
}

TEST_CASE("kill ends a child, and its exit is reported") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto process = sleep_then_exit(60000);
  REQUIRE(!poll.registry().add(process, Token(3), Interest::readable));
  test::expect_no_events(poll, events);
  // The child would sleep a minute: an exit reported within wait_for_exit's limit is the
  // kill's doing.
  REQUIRE(!process.kill());
  auto status = wait_for_exit(poll, events, process, Token(3));
  CHECK(!status.success());
  // Unix reports the signal; Windows has exit codes only (TerminateProcess gives 1).
  CHECK((status.signal().has_value() || status.code() == 1));
  // Killing what has already been reaped does nothing.
  CHECK(!process.kill());
}

TEST_CASE("adopting a child by id reports its exit") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto spawned = sleep_then_exit(200, 5);
  std::error_code ec;
  auto adopted = Process::adopt(spawned.id(), ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  CHECK(adopted.id() == spawned.id());
  REQUIRE(!poll.registry().add(adopted, Token(11), Interest::readable));
  CHECK(wait_for_exit(poll, events, adopted, Token(11)).code() == 5);
  // On Unix only one waiter can collect a child's status: the other is told it is gone.
  auto status = spawned.exit_status(ec);
  if (ec) {
    CHECK(ec == std::errc::no_child_process);
  } else {
    CHECK(status.code() == 5);
  }
}

TEST_CASE("destroying a Process whose child still runs does not wait for it") {
  // A destructor that waited would wait a minute, past the suite's timeout; one that
  // killed the child would leave nothing to adopt and kill below. No clock is read.
  auto process = sleep_then_exit(60000);
  const auto id = process.id();
  {
    auto poll = test::init_with_poll();
    REQUIRE(!poll.registry().add(process, Token(1), Interest::readable));
    Process gone = std::move(process);
    CHECK(!process.is_open());
  }
  std::error_code ec;
  auto adopted = Process::adopt(id, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  auto poll = test::init_with_poll();
  Events events(8);
  REQUIRE(!poll.registry().add(adopted, Token(2), Interest::readable));
  test::expect_no_events(poll, events);
  REQUIRE(!adopted.kill());
  test::expect_events(poll, events, {{Token(2), test::kReadable}}, 10000ms);
  // On Unix the first Process may already have collected the status: then it is gone.
  auto status = adopted.exit_status(ec);
  if (ec) {
    CHECK(ec == std::errc::no_child_process);
  } else {
    CHECK(!status.success());
  }
}

TEST_CASE("bad input is answered with a clear error code") {
  auto poll = test::init_with_poll();
  const auto& reg = poll.registry();
  std::error_code ec;

  SUBCASE("a missing program") {
    std::vector<std::string> argv{child_path() + "-does-not-exist"};
    auto process = Process::spawn(argv, ec);
    CHECK(ec == std::errc::no_such_file_or_directory);
    CHECK(!process.is_open());
  }
  SUBCASE("an empty argv, an empty program name, a NUL inside an argument") {
    std::vector<std::string> none;
    CHECK((Process::spawn(none, ec), ec) == std::errc::invalid_argument);
    std::vector<std::string> empty_name{""};
    CHECK((Process::spawn(empty_name, ec), ec) == std::errc::invalid_argument);
    std::vector<std::string> nul{child_path(), std::string("exit\0 1", 7)};
    CHECK((Process::spawn(nul, ec), ec) == std::errc::invalid_argument);
  }
  SUBCASE("adopting id 0, or an id that names no process") {
    CHECK((Process::adopt(0, ec), ec) == std::errc::invalid_argument);
    // Above Linux's largest pid_max (2^22), and a multiple of 4 as Windows ids are, so far
    // beyond what Windows hands out that no process has it.
    CHECK((Process::adopt(0x7FFFFFFC, ec), ec) == std::errc::no_such_process);
  }
  SUBCASE("registration errors") {
    auto process = sleep_then_exit(50);
    CHECK(reg.add(process, Token(1), Interest::writable) == std::errc::invalid_argument);
    CHECK(reg.modify(process, Token(1), Interest::readable) == std::errc::no_such_file_or_directory);
    CHECK(reg.remove(process) == std::errc::no_such_file_or_directory);
    REQUIRE(!reg.add(process, Token(1), Interest::readable | Interest::writable));
    CHECK(reg.add(process, Token(2), Interest::readable) == std::errc::file_exists);
    CHECK(reg.modify(process, Token(1), Interest::priority) == std::errc::invalid_argument);
    REQUIRE(!reg.remove(process));
    CHECK(reg.remove(process) == std::errc::no_such_file_or_directory);
    pollux::Registry none;
    CHECK(none.add(process, Token(1), Interest::readable) == std::errc::bad_file_descriptor);
    CHECK(none.remove(process) == std::errc::bad_file_descriptor);
  }
  SUBCASE("an empty Process") {
    Process empty;
    CHECK(!empty.is_open());
    CHECK(empty.id() == 0);
    (void)empty.exit_status(ec);
    CHECK(ec == std::errc::bad_file_descriptor);
    CHECK(empty.kill() == std::errc::bad_file_descriptor);
    CHECK(reg.add(empty, Token(1), Interest::readable) == std::errc::bad_file_descriptor);
    CHECK(reg.modify(empty, Token(1), Interest::readable) == std::errc::bad_file_descriptor);
    CHECK(reg.remove(empty) == std::errc::bad_file_descriptor);
  }
}
