// SPDX-License-Identifier: MIT
// pollux-exec's I/O driver, in both scheduler flavours: TCP echo round trips with many
// concurrent clients, UDP, cancelling a pending read (abort and timeout), waiting for a
// child process, and the errors outside a runtime.

#include "exec_task_check.hpp"
#include "exec_tcp_pair.hpp"
#include "exec_util.hpp"
#include "net_util.hpp"

#include <pollux/exec/process.hpp>
#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sleep.hpp>
#include <pollux/exec/tcp_listener.hpp>
#include <pollux/exec/tcp_stream.hpp>
#include <pollux/exec/timeout.hpp>
#include <pollux/exec/udp_socket.hpp>

#include <array>
#include <cstdlib>
#include <string>
#include <vector>

using namespace pollux;
using namespace pollux::exec;
using namespace std::chrono_literals;

namespace {

constexpr Flavor kFlavors[] = {Flavor::current_thread, Flavor::multi_thread};

Task<void> echo_conn(exec::TcpStream s) {
  std::array<std::byte, 4096> buf;
  for (;;) {
    const auto [ec, n] = co_await s.read(buf);
    if (ec || n == 0) co_return;
    if (co_await s.write_all(std::span<const std::byte>(buf.data(), n))) co_return;
  }
}

Task<void> serve(exec::TcpListener* listener, int connections) {
  std::vector<JoinHandle<void>> handles;
  for (int i = 0; i < connections; ++i) {
    auto [ec, s] = co_await listener->accept();
    TASK_REQUIRE_MESSAGE(!ec, ec.message());
    handles.push_back(spawn(echo_conn(std::move(s))));
  }
  for (auto& h : handles) (co_await std::move(h)).value_or_throw();
}

// One client: `rounds` messages, each written whole and read back exactly.
Task<int> client(net::SocketAddr addr, int id, int rounds) {
  auto [ec, s] = co_await exec::TcpStream::connect(addr);
  if (ec) co_return -1;
  int ok = 0;
  for (int r = 0; r < rounds; ++r) {
    std::string msg = "client " + std::to_string(id) + " round " + std::to_string(r) + ";";
    msg.resize(64, '.');
    if (co_await s.write_all(test::bytes(msg))) co_return -2;
    std::array<std::byte, 64> back;
    const auto [rec, n] = co_await s.read_exact(back);
    if (rec || n != back.size()) co_return -3;
    if (test::text(back) == msg) ++ok;
  }
  co_return ok;
}

Task<int> echo_round_trips(int clients, int rounds) {
  std::error_code ec;
  exec::TcpListener listener = exec::TcpListener::bind(test::loopback_v4(), ec);
  TASK_REQUIRE_MESSAGE(!ec, ec.message());
  const net::SocketAddr addr = listener.local_addr(ec);
  TASK_REQUIRE(!ec);
  JoinHandle<void> server = spawn(serve(&listener, clients));
  std::vector<JoinHandle<int>> handles;
  for (int i = 0; i < clients; ++i) handles.push_back(spawn(client(addr, i, rounds)));
  int total = 0;
  for (auto& h : handles) {
    const int ok = (co_await std::move(h)).value_or_throw();
    TASK_CHECK(ok == rounds);
    total += ok;
  }
  (co_await std::move(server)).value_or_throw();
  co_return total;
}

}  // namespace

TEST_CASE("tcp echo: many concurrent clients round-trip in both flavours") {
  // Enough to keep every worker busy with many sockets at once; small enough for Wine,
  // where each AFD re-arm is a round trip to wineserver (~1 ms on a loaded machine).
  const int clients = test::kSanitized ? 20 : 64;
  const int rounds = test::kSanitized ? 5 : 8;
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    TASK_CHECK(test::run(rt, echo_round_trips(clients, rounds)) == clients * rounds);
  }
}

TEST_CASE("tcp: EOF after the peer shuts down its write side; reads then return 0") {
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      std::error_code ec;
      auto listener = exec::TcpListener::bind(test::loopback_v4(), ec);
      TASK_REQUIRE(!ec);
      auto accepting = spawn(listener.accept());
      auto [cec, a] = co_await exec::TcpStream::connect(listener.local_addr(ec));
      TASK_REQUIRE_MESSAGE(!cec, cec.message());
      auto b = (co_await std::move(accepting)).value_or_throw();
      TASK_REQUIRE_MESSAGE(!b.error, b.error.message());
      TASK_REQUIRE(b.value.is_open());
      TASK_REQUIRE(!co_await a.write_all(test::bytes("bye")));
      TASK_REQUIRE(!a.shutdown(net::Shutdown::write));
      std::array<std::byte, 16> buf;
      const auto three = co_await b.value.read_exact(std::span<std::byte>(buf.data(), 3));
      TASK_CHECK(!three.error);
      TASK_CHECK(three.value == 3);
      const auto eof = co_await b.value.read(buf);
      TASK_CHECK(!eof.error);
      TASK_CHECK(eof.value == 0);
      // read_exact reports EOF that comes too early, with the count read before it.
      const auto early = co_await b.value.read_exact(buf);
      TASK_CHECK(early.value == 0);
      TASK_CHECK(early.error == std::errc::no_message_available);
    }());
  }
}

TEST_CASE("tcp: connecting to a closed port reports the OS's error") {
  Runtime rt = test::make_runtime(Flavor::multi_thread);
  test::run(rt, []() -> Task<void> {
    std::error_code ec;
    net::SocketAddr addr;
    {
      auto l = exec::TcpListener::bind(test::loopback_v4(), ec);
      TASK_REQUIRE(!ec);
      addr = l.local_addr(ec);
    }
    auto r = co_await timeout(exec::TcpStream::connect(addr), 10s);
    TASK_REQUIRE(r.has_value());
    TASK_CHECK(r.value().error == std::errc::connection_refused);
    TASK_CHECK(!r.value().value.is_open());
  }());
}

namespace {

Task<std::size_t> read_into(exec::TcpStream* s, std::array<std::byte, 64>* buf) {
  const auto [ec, n] = co_await s->read(*buf);
  co_return ec ? 0 : n;
}

}  // namespace

TEST_CASE("cancelling a pending read: abort drops it, and the data goes to the next read") {
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      auto [a, b] = co_await test::exec_tcp_pair();
      std::array<std::byte, 64> lost{};
      auto pending = spawn(read_into(&b, &lost));
      co_await sleep(20ms);
      TASK_CHECK(!pending.is_finished());
      pending.abort();
      bool cancelled = false;
      try {
        (void)(co_await std::move(pending)).value_or_throw();
      } catch (const std::system_error& e) {
        cancelled = e.code() == std::errc::operation_canceled;
      }
      TASK_CHECK(cancelled);
      // The aborted read took nothing: everything written now reaches the next reader.
      TASK_REQUIRE(!co_await a.write_all(test::bytes("after the abort")));
      std::array<std::byte, 15> got;
      const auto r = co_await b.read_exact(got);
      TASK_CHECK(!r.error);
      TASK_CHECK(r.value == got.size());
      TASK_CHECK(test::text(got) == "after the abort");
    }());
  }
}

TEST_CASE("timeout cancels a read that gets no data, and the stream stays usable") {
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      auto [a, b] = co_await test::exec_tcp_pair();
      std::array<std::byte, 64> buf{};
      const auto start = std::chrono::steady_clock::now();
      auto r = co_await timeout(b.read(buf), 50ms);
      const auto took = std::chrono::steady_clock::now() - start;
      TASK_CHECK(!r);
      TASK_CHECK(r.error() == std::errc::timed_out);
      TASK_CHECK(took >= 50ms);
      // In time: the value comes through.
      TASK_REQUIRE(!co_await a.write_all(test::bytes("x")));
      auto r2 = co_await timeout(b.read(buf), 10s);
      TASK_REQUIRE(r2.has_value());
      TASK_CHECK(r2.value().value == 1);
      TASK_CHECK(!r2.value().error);
    }());
  }
}

TEST_CASE("udp: datagrams both ways, recv waits for one") {
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      std::error_code ec;
      auto x = exec::UdpSocket::bind(test::loopback_v4(), ec);
      TASK_REQUIRE(!ec);
      auto y = exec::UdpSocket::bind(test::loopback_v4(), ec);
      TASK_REQUIRE(!ec);
      const auto xa = x.local_addr(ec);
      const auto ya = y.local_addr(ec);
      std::array<std::byte, 32> buf;
      auto receiving = spawn(y.recv_from(buf));
      co_await sleep(10ms);
      TASK_CHECK(!receiving.is_finished());
      const auto sent = co_await x.send_to(test::bytes("ping"), ya);
      TASK_CHECK(!sent.error);
      TASK_CHECK(sent.value == 4);
      const auto got = (co_await std::move(receiving)).value_or_throw();
      TASK_CHECK(!got.error);
      TASK_CHECK(got.value.size == 4);
      TASK_CHECK(got.value.from == xa);
      TASK_CHECK(test::text(std::span<const std::byte>(buf.data(), 4)) == "ping");
      TASK_REQUIRE(!y.connect(xa));
      TASK_CHECK((co_await y.send(test::bytes("pong"))).value == 4);
      const auto [rec, back] = co_await x.recv_from(buf);
      TASK_CHECK(!rec);
      TASK_CHECK(back.size == 4);
      TASK_CHECK(back.from == ya);
    }());
  }
}

TEST_CASE("waiting for a child process") {
  const char* child = std::getenv("POLLUX_TEST_CHILD");
  TASK_REQUIRE(child != nullptr);
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    test::run(rt, [](std::string child) -> Task<void> {
      std::error_code ec;
      const std::vector<std::string> quick{child, "exit", "3"};
      auto p = exec::Process::spawn(quick, ec);
      TASK_REQUIRE_MESSAGE(!ec, ec.message());
      const auto [wec, s] = co_await p.wait();
      TASK_CHECK(!wec);
      TASK_CHECK(s.code() == 3);
      // Waiting again gives the kept status.
      TASK_CHECK((co_await p.wait()).value.code() == 3);

      // A wait that is dropped by a timeout, then resumed by another wait.
      const std::vector<std::string> slow{child, "sleep", "300", "5"};
      auto q = exec::Process::spawn(slow, ec);
      TASK_REQUIRE(!ec);
      auto r = co_await timeout(q.wait(), 20ms);
      TASK_CHECK(!r);
      const auto [wec2, s2] = co_await q.wait();
      TASK_CHECK(!wec2);
      TASK_CHECK(s2.code() == 5);

      // Several children at once, each awaited by its own task.
      std::vector<JoinHandle<int>> waits;
      for (int i = 0; i < 8; ++i) {
        waits.push_back(spawn([](std::string child, int i) -> Task<int> {
          std::error_code ec;
          const std::vector<std::string> argv{child, "sleep", std::to_string(10 * i),
                                              std::to_string(i)};
          auto p = exec::Process::spawn(argv, ec);
          if (ec) co_return -1;
          const auto [wec, s] = co_await p.wait();
          co_return wec ? -2 : s.code().value_or(-3);
        }(child, i)));
      }
      for (int i = 0; i < 8; ++i) TASK_CHECK((co_await std::move(waits[i])).value_or_throw() == i);
    }(child));
  }
}

TEST_CASE("outside a runtime: async types refuse to be made") {
  std::error_code ec;
  auto l = exec::TcpListener::bind(test::loopback_v4(), ec);
  TASK_CHECK(ec == std::errc::operation_not_permitted);
  TASK_CHECK(!l.is_open());
  auto u = exec::UdpSocket::bind(test::loopback_v4(), ec);
  TASK_CHECK(ec == std::errc::operation_not_permitted);
  // An empty stream answers bad_file_descriptor, inside a runtime too.
  Runtime rt = test::make_runtime(Flavor::current_thread);
  test::run(rt, []() -> Task<void> {
    exec::TcpStream s;
    std::array<std::byte, 4> buf;
    const auto [ec, n] = co_await s.read(buf);
    TASK_CHECK(n == 0);
    TASK_CHECK(ec == std::errc::bad_file_descriptor);
    TASK_CHECK(co_await s.write_all(test::bytes("x")) == std::errc::bad_file_descriptor);
  }());
}

TEST_CASE("streams outlive their runtime safely, and shutdown drops tasks blocked in reads") {
  test::Tracker::live = 0;
  exec::TcpStream kept;
  {
    Runtime rt = test::make_runtime(Flavor::multi_thread);
    auto [a, b] = test::run(rt, test::exec_tcp_pair());
    for (int i = 0; i < 10; ++i) {
      rt.spawn([](exec::TcpStream* s, test::Tracker) -> Task<void> {
          std::array<std::byte, 8> buf;
          (void)co_await s->read(buf);
        }(&b, test::Tracker{})).detach();
    }
    TASK_CHECK(test::eventually([] { return test::Tracker::live.load() == 10; }));
    TASK_CHECK(rt.shutdown() == std::error_code{});
    TASK_CHECK(test::Tracker::live.load() == 0);
    kept = std::move(a);
  }
  TASK_CHECK(kept.is_open());
  // Its runtime is gone: waiting on it fails at once rather than hanging.
  Runtime other = test::make_runtime(Flavor::current_thread);
  test::run(other, [](exec::TcpStream* s) -> Task<void> {
    std::array<std::byte, 8> buf;
    auto r = co_await timeout(s->read(buf), 10s);
    TASK_REQUIRE(r.has_value());
    TASK_CHECK(r.value().error == std::errc::bad_file_descriptor);
  }(&kept));
}
