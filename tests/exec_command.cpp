// SPDX-License-Identifier: MIT
// exec::Command and exec::Child in both scheduler flavours: 8 MiB each way at once,
// wait_with_output, a child killed mid-write, kill_on_drop, errors. The child is
// tests/process_child.cpp (POLLUX_TEST_CHILD).

#include "command_util.hpp"
#include "exec_task_check.hpp"
#include "exec_util.hpp"
#include "process_child.hpp"

#include <pollux/exec/command.hpp>
#include <pollux/exec/join.hpp>
#include <pollux/exec/runtime.hpp>
#include <pollux/exec/timeout.hpp>

#include <array>
#include <string>
#include <vector>

using namespace pollux;
using namespace pollux::exec;
using namespace std::chrono_literals;

namespace {

constexpr Flavor kFlavors[] = {Flavor::current_thread, Flavor::multi_thread};
constexpr std::size_t kBig = 8u << 20;

std::string pattern(std::size_t n, unsigned stream) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(test::pattern_byte(i, stream));
  return s;
}

Task<std::error_code> write_and_close(exec::ChildStdin in, const std::string* data) {
  const auto ec = co_await in.write_all(std::as_bytes(std::span(*data)));
  in.close();
  co_return ec;
}

// Commands are built outside the coroutines: GCC 12 cannot place an initializer_list's
// array in a coroutine frame.
exec::Command child_command(const std::string& child, std::vector<std::string> args) {
  exec::Command command(child);
  command.args(args);
  return command;
}

std::vector<std::string> sleep_args() { return {"sleep", "600000"}; }
std::vector<std::string> pipe_args(const std::string& n) { return {"pipe", n, n, n}; }

template <class F>
void each_flavor(F body) {
  const std::string child = test::command_child_path();
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    test::run(rt, body(child));
  }
}

}  // namespace

TEST_CASE("8 MiB through stdin, stdout and stderr at once, with wait_with_output") {
  each_flavor([](std::string child) -> Task<void> {
    const std::string n = std::to_string(kBig);
    std::error_code ec;
    exec::Child c = child_command(child, pipe_args(n))
                        .set_stdin(Stdio::piped)
                        .set_stdout(Stdio::piped)
                        .set_stderr(Stdio::piped)
                        .spawn(ec);
    TASK_REQUIRE_MESSAGE(!ec, ec.message());
    const std::string input = pattern(kBig, 0);
    auto both = co_await join(write_and_close(c.take_stdin(), &input), c.wait_with_output());
    auto& [written, output] = both;
    TASK_CHECK(!written);
    TASK_CHECK(!output.error);
    TASK_CHECK(output.value.out.size() == kBig);
    TASK_CHECK(output.value.err.size() == kBig);
    TASK_CHECK((output.value.out == pattern(kBig, 1)));
    TASK_CHECK((output.value.err == pattern(kBig, 2)));
    TASK_CHECK(output.value.status.code() == std::optional<int>(0));
  });
}

TEST_CASE("output(): lines on both streams and the exit code") {
  each_flavor([](std::string child) -> Task<void> {
    auto r = co_await exec::Command(child).arg(std::string("lines")).arg(std::string("3")).output();
    TASK_REQUIRE_MESSAGE(!r.error, r.error.message());
    TASK_CHECK(r.value.out == std::string("one\ntwo\n"));
    TASK_CHECK(r.value.err == std::string("bad\n"));
    TASK_CHECK(r.value.status.code() == std::optional<int>(3));
  });
}

TEST_CASE("a child killed mid-write: its stdout ends, wait reports the kill") {
  each_flavor([](std::string child) -> Task<void> {
    std::error_code ec;
    exec::Child c = exec::Command(child).arg(std::string("spew")).set_stdout(Stdio::piped).spawn(ec);
    TASK_REQUIRE_MESSAGE(!ec, ec.message());
    std::array<std::byte, 1024> buf;
    auto first = co_await c.stdout_pipe().read(buf);
    TASK_CHECK(!first.error);
    TASK_CHECK(first.value > 0);
    TASK_REQUIRE(!c.kill());
    auto rest = co_await timeout(c.stdout_pipe().read_to_end(), 30s);
    TASK_REQUIRE(rest);  // end-of-file came
    TASK_CHECK(!std::move(rest).value().error);
    auto waited = co_await c.wait();
    TASK_CHECK(!waited.error);
    TASK_CHECK(waited.value == test::killed_status());
  });
}

TEST_CASE("kill_on_drop: a dropped Child's process is killed") {
  each_flavor([](std::string child) -> Task<void> {
    std::error_code ec;
    exec::Process watcher;
    {
      exec::Child c = child_command(child, sleep_args()).kill_on_drop(true).spawn(ec);
      TASK_REQUIRE_MESSAGE(!ec, ec.message());
      watcher = exec::Process::from_process(pollux::Process::adopt(c.id(), ec), ec);
      TASK_REQUIRE_MESSAGE(!ec, ec.message());
    }
    // The exit is seen (its status went to the reaper: any answer but a hang will do).
    auto r = co_await timeout(watcher.wait(), 30s);
    TASK_CHECK(r);
  });
}

TEST_CASE("errors: missing program, empty program, outside a runtime") {
  each_flavor([](std::string) -> Task<void> {
    std::error_code ec;
    exec::Child c = exec::Command(std::string("pollux-no-such-program-7f3a")).spawn(ec);
    TASK_CHECK(ec == std::errc::no_such_file_or_directory);
    auto r = co_await exec::Command(std::string()).output();
    TASK_CHECK(r.error == std::errc::invalid_argument);
  });
  std::error_code ec;
  exec::Child c = child_command(test::command_child_path(), {"exit", "0"}).spawn(ec);
  CHECK(ec == std::errc::operation_not_permitted);
}
