// SPDX-License-Identifier: MIT
// UnixDatagram: pairs, bound and unbound sockets, addresses, back-pressure.

#include "unix_util.hpp"

#include <pollux/net/unix_datagram.hpp>

#include <thread>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Token;
using pollux::net::Shutdown;
using pollux::net::SocketAddr;
using pollux::net::UnixDatagram;

TEST_CASE("a pair sends datagrams both ways, boundaries kept") {
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  auto [a, b] = UnixDatagram::pair(ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  REQUIRE(!poll.registry().add(b, Token(2), Interest::readable));
  CHECK(a.send(test::bytes("one"), ec) == 3);
  CHECK(a.send(test::bytes("two!"), ec) == 4);
  REQUIRE(!ec);
  test::expect_events(poll, events, {{Token(2), test::kReadable}});
  std::byte buf[16];
  CHECK(test::text(buf, b.recv(buf, ec)) == "one");
  CHECK(test::text(buf, b.recv(buf, ec)) == "two!");
  b.recv(buf, ec);
  CHECK(ec == std::errc::operation_would_block);
  CHECK(a.peer_addr(ec).is_unix_unnamed());
}

TEST_CASE("bound by path and abstract name: send_to and recv_from carry addresses") {
  test::TempDir dir;
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  SocketAddr addr_a, addr_b;
  SUBCASE("path") {
    addr_a = dir.addr("a.sock");
    addr_b = dir.addr("b.sock");
  }
  SUBCASE("abstract") {
    addr_a = test::unique_abstract("dgram-a");
    addr_b = test::unique_abstract("dgram-b");
  }
  auto a = UnixDatagram::bind(addr_a, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  auto b = UnixDatagram::bind(addr_b, ec);
  REQUIRE(!ec);
  CHECK(a.local_addr(ec) == addr_a);
  REQUIRE(!poll.registry().add(b, Token(1), Interest::readable));
  CHECK(a.send_to(test::bytes("to b"), addr_b, ec) == 4);
  REQUIRE(!ec);
  test::expect_events(poll, events, {{Token(1), test::kReadable}});
  std::byte buf[16];
  SocketAddr from;
  auto n = b.recv_from(buf, from, ec);
  REQUIRE(!ec);
  CHECK(test::text(buf, n) == "to b");
  CHECK(from == addr_a);
}

TEST_CASE("the empty abstract name survives the round trip through the kernel") {
  // Bound with one byte of sun_path (its NUL), "" is a name of its own in Linux's
  // abstract namespace, unlike the unnamed address, which has no sun_path byte at all.
  std::error_code ec;
  auto empty = SocketAddr::unix_abstract("", ec);
  REQUIRE(!ec);
  CHECK(empty.is_unix_abstract());
  CHECK(!empty.is_unix_unnamed());
  CHECK(empty != SocketAddr::unix_unnamed());
  // Only one socket on the machine can hold the name: wait out another holder, if any.
  UnixDatagram sender;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  do {
    sender = UnixDatagram::bind(empty, ec);
    if (ec == std::errc::address_in_use) std::this_thread::sleep_for(20ms);
  } while (ec == std::errc::address_in_use && std::chrono::steady_clock::now() < deadline);
  REQUIRE_MESSAGE(!ec, ec.message());
  const auto local = sender.local_addr(ec);
  REQUIRE(!ec);
  CHECK(local.is_unix_abstract());
  CHECK(local.unix_path().empty());
  CHECK(local == empty);
  CHECK(local.to_string() == "@");

  auto receiver = UnixDatagram::bind(test::unique_abstract("empty-name-receiver"), ec);
  REQUIRE(!ec);
  auto poll = test::init_with_poll();
  Events events(8);
  REQUIRE(!poll.registry().add(receiver, Token(1), Interest::readable));
  CHECK(sender.send_to(test::bytes("hi"), receiver.local_addr(ec), ec) == 2);
  REQUIRE(!ec);
  test::expect_events(poll, events, {{Token(1), test::kReadable}});
  std::byte buf[8];
  SocketAddr from;
  CHECK(receiver.recv_from(buf, from, ec) == 2);
  REQUIRE(!ec);
  CHECK(from == empty);
}

TEST_CASE("an unbound sender is seen as unnamed; connect fixes the peer") {
  test::TempDir dir;
  std::error_code ec;
  auto addr = dir.addr("server.sock");
  auto server = UnixDatagram::bind(addr, ec);
  REQUIRE(!ec);
  auto client = UnixDatagram::unbound(ec);
  REQUIRE(!ec);
  REQUIRE(!client.connect(addr));
  CHECK(client.peer_addr(ec) == addr);
  CHECK(client.send(test::bytes("hi"), ec) == 2);
  REQUIRE(!ec);
  std::byte buf[8];
  SocketAddr from;
  auto n = test::retry_blocking([&](std::error_code& e) { return server.recv_from(buf, from, e); });
  CHECK(test::text(buf, n) == "hi");
  CHECK(from.is_unix());
  CHECK(from.is_unix_unnamed());
}

TEST_CASE("a full receiver makes send would-block; draining it makes the sender writable") {
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  auto [a, b] = UnixDatagram::pair(ec);
  REQUIRE(!ec);
  REQUIRE(!poll.registry().add(a, Token(1), Interest::writable));
  test::expect_events(poll, events, {{Token(1), test::kWritable}});
  std::size_t sent = 0;
  std::byte payload[512] = {};
  while (true) {
    a.send(payload, ec);
    if (ec == std::errc::operation_would_block) break;
    REQUIRE_MESSAGE(!ec, ec.message());
    REQUIRE(++sent < 1000000);
  }
  CHECK(sent > 0);
  std::byte buf[512];
  while (true) {
    b.recv(buf, ec);
    if (ec == std::errc::operation_would_block) break;
    REQUIRE(!ec);
  }
  test::expect_events(poll, events, {{Token(1), test::kWritable}});
}

TEST_CASE("shutdown(write) of one end") {
  std::error_code ec;
  auto [a, b] = UnixDatagram::pair(ec);
  REQUIRE(!ec);
  REQUIRE(!a.shutdown(Shutdown::write));
  a.send(test::bytes("x"), ec);
  CHECK(ec == std::errc::broken_pipe);
}

TEST_CASE("bad input is answered with a clear error code") {
  std::error_code ec;
  auto [a, b] = UnixDatagram::pair(ec);
  REQUIRE(!ec);
  CHECK(a.send_to(test::bytes("x"), test::loopback_v4(9), ec) == 0);
  CHECK(ec == std::errc::address_family_not_supported);
  CHECK(a.connect(SocketAddr::unix_unnamed()) == std::errc::address_family_not_supported);
  UnixDatagram::bind(test::loopback_v4(), ec);
  CHECK(ec == std::errc::address_family_not_supported);
}
