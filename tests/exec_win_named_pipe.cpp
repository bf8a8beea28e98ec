// exec::NamedPipeListener and exec::NamedPipe (Windows; run under Wine): many clients
// echoed concurrently through a listener, in both scheduler flavours, a server instance
// waiting for its client, and a read cancelled by a timeout.

#include "exec_task_check.hpp"
#include "exec_util.hpp"

#include <pollux/exec/named_pipe.hpp>
#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sleep.hpp>
#include <pollux/exec/timeout.hpp>

#include <array>
#include <string>
#include <vector>

using namespace pollux;
using namespace pollux::exec;
using namespace std::chrono_literals;

namespace {

constexpr Flavor kFlavors[] = {Flavor::current_thread, Flavor::multi_thread};

std::string pipe_name(const char* what) {
  static int counter = 0;
  return std::string("\\\\.\\pipe\\pollux-exec-test-") + what + "-" + std::to_string(++counter);
}

std::span<const std::byte> bytes(const std::string& s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

Task<void> echo(exec::NamedPipe pipe) {
  std::array<std::byte, 4096> buf;
  for (;;) {
    std::error_code ec;
    const std::size_t n = co_await pipe.read(buf, ec);
    if (ec || n == 0) co_return;
    if (co_await pipe.write_all(std::span<const std::byte>(buf.data(), n))) co_return;
  }
}

Task<void> serve(exec::NamedPipeListener* listener, int clients) {
  for (int i = 0; i < clients; ++i) {
    std::error_code ec;
    exec::NamedPipe p = co_await listener->accept(ec);
    TASK_REQUIRE_MESSAGE(!ec, ec.message());
    spawn(echo(std::move(p))).detach();
  }
}

Task<int> client(std::string name, int id, int rounds) {
  std::error_code ec;
  exec::NamedPipe p = co_await exec::NamedPipe::connect(name, {}, 10000ms, ec);
  if (ec) co_return -1;
  int ok = 0;
  for (int r = 0; r < rounds; ++r) {
    const std::string msg = "pipe client " + std::to_string(id) + " round " + std::to_string(r);
    if (co_await p.write_all(bytes(msg))) co_return -2;
    std::string back(msg.size(), '\0');
    auto span = std::as_writable_bytes(std::span<char>(back.data(), back.size()));
    if (co_await p.read_exact(span, ec) != msg.size() || ec) co_return -3;
    if (back == msg) ++ok;
  }
  co_return ok;
}

}  // namespace

TEST_CASE("named pipe echo: many clients through a listener, both flavours") {
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      const int clients = 16, rounds = 8;
      const std::string name = pipe_name("echo");
      std::error_code ec;
      auto listener = exec::NamedPipeListener::create(name, {}, 4, ec);
      TASK_REQUIRE_MESSAGE(!ec, ec.message());
      auto server = spawn(serve(&listener, clients));
      std::vector<JoinHandle<int>> handles;
      for (int i = 0; i < clients; ++i) handles.push_back(spawn(client(name, i, rounds)));
      for (auto& h : handles) TASK_CHECK((co_await std::move(h)).value_or_throw() == rounds);
      (co_await std::move(server)).value_or_throw();
    }());
  }
}

Task<exec::NamedPipe> connect_without_limit(std::string name, std::error_code* ec) {
  co_return co_await exec::NamedPipe::connect(name, {}, std::chrono::milliseconds::max(), *ec);
}

// milliseconds::max() used to overflow on its way to nanoseconds: the deadline landed in
// the past and the first missing pipe was reported as timed_out.
TEST_CASE("named pipe: connect with the longest timeout waits for a server that comes later") {
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      const std::string name = pipe_name("late-server");
      std::error_code cec;
      auto connecting = spawn(connect_without_limit(name, &cec));
      co_await sleep(50ms);  // connect finds no pipe at least once (it retries until then)
      std::error_code ec;
      auto raw = win::NamedPipe::create_server(name, {}, ec);
      TASK_REQUIRE_MESSAGE(!ec, ec.message());
      auto server = exec::NamedPipe::from_win(std::move(raw), ec);
      TASK_REQUIRE_MESSAGE(!ec, ec.message());
      auto waiting = spawn(server.wait_for_client());
      auto c = (co_await std::move(connecting)).value_or_throw();
      TASK_REQUIRE_MESSAGE(!cec, cec.message());
      TASK_CHECK(!(co_await std::move(waiting)).value_or_throw());
    }());
  }
}

TEST_CASE("named pipe: a server instance waits for its client; a timed-out read leaves the data") {
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      const std::string name = pipe_name("single");
      std::error_code ec;
      auto raw = win::NamedPipe::create_server(name, {}, ec);
      TASK_REQUIRE_MESSAGE(!ec, ec.message());
      auto server = exec::NamedPipe::from_win(std::move(raw), ec);
      TASK_REQUIRE_MESSAGE(!ec, ec.message());
      auto waiting = spawn(server.wait_for_client());
      std::error_code cec;
      auto c = co_await exec::NamedPipe::connect(name, {}, 10000ms, cec);
      TASK_REQUIRE_MESSAGE(!cec, cec.message());
      TASK_CHECK(!(co_await std::move(waiting)).value_or_throw());
      std::array<std::byte, 16> buf;
      auto r = co_await timeout(server.read(buf, ec), 30ms);
      TASK_CHECK(r.error() == std::errc::timed_out);
      TASK_REQUIRE(!co_await c.write_all(bytes("late")));
      TASK_CHECK(co_await server.read(buf, ec) == 4);
      TASK_CHECK(!ec);
    }());
  }
}
