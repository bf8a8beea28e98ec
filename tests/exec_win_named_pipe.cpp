// SPDX-License-Identifier: MIT
// exec::NamedPipeListener and exec::NamedPipe (Windows; run under Wine): many clients
// echoed concurrently through a listener, in both scheduler flavours, a server instance
// waiting for its client, a read cancelled by a timeout, and a task aborted while it
// waits in read, write, accept or connect.

#include "exec_task_check.hpp"
#include "exec_util.hpp"

#include <pollux/exec/named_pipe.hpp>
#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sleep.hpp>
#include <pollux/exec/timeout.hpp>
#include <pollux/would_block.hpp>

#include <array>
#include <string>
#include <utility>
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
    const auto [ec, n] = co_await pipe.read(buf);
    if (ec || n == 0) co_return;
    if (co_await pipe.write_all(std::span<const std::byte>(buf.data(), n))) co_return;
  }
}

Task<void> serve(exec::NamedPipeListener* listener, int clients) {
  for (int i = 0; i < clients; ++i) {
    auto [ec, p] = co_await listener->accept();
    TASK_REQUIRE_MESSAGE(!ec, ec.message());
    spawn(echo(std::move(p))).detach();
  }
}

Task<int> client(std::string name, int id, int rounds) {
  auto [ec, p] = co_await exec::NamedPipe::connect(name, {}, 10000ms);
  if (ec) co_return -1;
  int ok = 0;
  for (int r = 0; r < rounds; ++r) {
    const std::string msg = "pipe client " + std::to_string(id) + " round " + std::to_string(r);
    if (co_await p.write_all(bytes(msg))) co_return -2;
    std::string back(msg.size(), '\0');
    auto span = std::as_writable_bytes(std::span<char>(back.data(), back.size()));
    const auto [rec, n] = co_await p.read_exact(span);
    if (rec || n != msg.size()) co_return -3;
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

Task<IoResult<exec::NamedPipe>> connect_without_limit(std::string name) {
  co_return co_await exec::NamedPipe::connect(name, {}, std::chrono::milliseconds::max());
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
      auto connecting = spawn(connect_without_limit(name));
      co_await sleep(50ms);  // connect finds no pipe at least once (it retries until then)
      std::error_code ec;
      auto raw = win::NamedPipe::create_server(name, {}, ec);
      TASK_REQUIRE_MESSAGE(!ec, ec.message());
      auto server = exec::NamedPipe::from_win(std::move(raw), ec);
      TASK_REQUIRE_MESSAGE(!ec, ec.message());
      auto waiting = spawn(server.wait_for_client());
      auto c = (co_await std::move(connecting)).value_or_throw();
      TASK_REQUIRE_MESSAGE(!c.error, c.error.message());
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
      auto [cec, c] = co_await exec::NamedPipe::connect(name, {}, 10000ms);
      TASK_REQUIRE_MESSAGE(!cec, cec.message());
      TASK_CHECK(!(co_await std::move(waiting)).value_or_throw());
      std::array<std::byte, 16> buf;
      auto r = co_await timeout(server.read(buf), 30ms);
      TASK_CHECK(r.error() == std::errc::timed_out);
      TASK_REQUIRE(!co_await c.write_all(bytes("late")));
      const auto [rec, n] = co_await server.read(buf);
      TASK_CHECK(n == 4);
      TASK_CHECK(!rec);
    }());
  }
}

// Cancellation (as tests/exec_cancel.cpp does for sockets): a task aborted while it waits
// in a named-pipe operation is dropped with its waiter, and what the operation is
// documented to keep is kept.

namespace {

// A connected client and server instance, through a listener.
Task<std::pair<exec::NamedPipe, exec::NamedPipe>> pipe_pair(const std::string& name) {
  std::error_code ec;
  auto listener = exec::NamedPipeListener::create(name, {}, 1, ec);
  TASK_REQUIRE_MESSAGE(!ec, ec.message());
  auto [cec, client] = co_await exec::NamedPipe::connect(name, {}, 10000ms);
  TASK_REQUIRE_MESSAGE(!cec, cec.message());
  auto [aec, server] = co_await listener.accept();
  TASK_REQUIRE_MESSAGE(!aec, aec.message());
  co_return std::pair<exec::NamedPipe, exec::NamedPipe>(std::move(client), std::move(server));
}

}  // namespace

TEST_CASE("cancel: abort during a named-pipe read; the next read gets every byte") {
  test::each_flavor([]() -> Task<void> {
    auto [client, server] = co_await pipe_pair(pipe_name("abort-read"));
    auto reader = spawn([](exec::NamedPipe* p, test::Tracker) -> Task<void> {
      std::array<std::byte, 64> buf;
      (void)co_await p->read(buf);
    }(&server, test::Tracker{}));
    co_await test::abort_while_waiting(reader);
    const std::string sent = "every byte reaches the next read";
    TASK_REQUIRE(!co_await client.write_all(bytes(sent)));
    std::string back(sent.size(), '\0');
    const auto [ec, n] =
        co_await server.read_exact(std::as_writable_bytes(std::span<char>(back.data(), back.size())));
    TASK_CHECK(!ec);
    TASK_CHECK(n == sent.size());
    TASK_CHECK(back == sent);
  });
}

TEST_CASE("cancel: abort during a named-pipe accept; the client waits for the next accept") {
  test::each_flavor([]() -> Task<void> {
    const std::string name = pipe_name("abort-accept");
    std::error_code ec;
    auto listener = exec::NamedPipeListener::create(name, {}, 1, ec);
    TASK_REQUIRE_MESSAGE(!ec, ec.message());
    auto acceptor = spawn([](exec::NamedPipeListener* l, test::Tracker) -> Task<void> {
      (void)co_await l->accept();
    }(&listener, test::Tracker{}));
    co_await test::abort_while_waiting(acceptor);
    auto [cec, client] = co_await exec::NamedPipe::connect(name, {}, 10000ms);
    TASK_REQUIRE_MESSAGE(!cec, cec.message());
    auto [aec, server] = co_await listener.accept();
    TASK_REQUIRE_MESSAGE(!aec, aec.message());
    TASK_REQUIRE(!co_await client.write_all(bytes("hi")));
    std::array<std::byte, 2> buf;
    TASK_CHECK((co_await server.read_exact(buf)).value == 2);
  });
}

TEST_CASE("cancel: abort during a named-pipe connect that waits for its server") {
  test::each_flavor([]() -> Task<void> {
    const std::string name = pipe_name("abort-connect");
    auto connecting = spawn([](std::string name, test::Tracker) -> Task<void> {
      (void)co_await exec::NamedPipe::connect(name, {}, 10000ms);
    }(name, test::Tracker{}));
    // It retries on the runtime's timers: the abort finds it in a sleep.
    co_await test::abort_while_waiting(connecting);
    auto [client, server] = co_await pipe_pair(name);
    TASK_REQUIRE(!co_await server.write_all(bytes("ok")));
    std::array<std::byte, 2> buf;
    TASK_CHECK((co_await client.read_exact(buf)).value == 2);
  });
}

TEST_CASE("cancel: abort during a named-pipe write; nothing of it is sent") {
  test::each_flavor([]() -> Task<void> {
    auto [client, server] = co_await pipe_pair(pipe_name("abort-write"));
    // Fill the pipe behind the runtime's back. would-block means a write is in flight,
    // not that the pipe is full: it is, once the write stays in flight for a while.
    const std::string fill(16 * 1024, 'f');
    std::size_t filled = 0;
    for (int stuck = 0; stuck < 20;) {
      std::error_code ec;
      const std::size_t n = client.get().write(bytes(fill), ec);
      if (ec) {
        TASK_REQUIRE_MESSAGE(is_would_block(ec), ec.message());
        ++stuck;
        co_await sleep(5ms);
        continue;
      }
      filled += n;
      stuck = 0;
    }
    const std::string lost(512, 'X');
    auto writer = spawn([](exec::NamedPipe* p, const std::string* what,
                           test::Tracker) -> Task<void> {
      (void)co_await p->write(bytes(*what));
    }(&client, &lost, test::Tracker{}));
    co_await test::abort_while_waiting(writer);
    // Reading lets the write in flight finish: what the aborted writer waited for.
    std::string got(filled, '\0');
    const auto all = co_await server.read_exact(
        std::as_writable_bytes(std::span<char>(got.data(), got.size())));
    TASK_CHECK(!all.error);
    TASK_REQUIRE(!co_await client.write_all(bytes("tail")));
    std::array<std::byte, 4> tail;
    TASK_CHECK((co_await server.read_exact(tail)).value == 4);
    TASK_CHECK(std::string(reinterpret_cast<const char*>(tail.data()), 4) == "tail");
    TASK_CHECK(got.find('X') == std::string::npos);
  });
}
