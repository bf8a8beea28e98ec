// SPDX-License-Identifier: MIT
// UdpSocket: send_to/recv_from, connected sockets, options, multicast, IPv6.

#include "net_util.hpp"

#include <array>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Token;
using pollux::net::Ipv4Addr;
using pollux::net::Ipv6Addr;
using pollux::net::SocketAddr;
using pollux::net::UdpSocket;

namespace {

UdpSocket bound(const SocketAddr& addr) {
  std::error_code ec;
  auto s = UdpSocket::bind(addr, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  return s;
}

SocketAddr addr_of(const UdpSocket& s) {
  std::error_code ec;
  auto a = s.local_addr(ec);
  REQUIRE(!ec);
  return a;
}

void send_recv_round_trip(const SocketAddr& where) {
  auto poll = test::init_with_poll();
  Events events(8);
  auto a = bound(where);
  auto b = bound(where);
  REQUIRE(!poll.registry().add(a, Token(1), Interest::readable | Interest::writable));
  REQUIRE(!poll.registry().add(b, Token(2), Interest::readable));
  test::expect_events(poll, events, {{Token(1), test::kWritable}});

  std::error_code ec;
  CHECK(a.send_to(test::bytes("hello b"), addr_of(b), ec) == 7);
  REQUIRE(!ec);
  test::expect_events(poll, events, {{Token(2), test::kReadable}});

  std::byte buf[64];
  SocketAddr from;
  auto n = b.peek_from(buf, from, ec);
  REQUIRE(!ec);
  CHECK(test::text(buf, n) == "hello b");
  CHECK(from == addr_of(a));
  n = b.recv_from(buf, from, ec);
  REQUIRE(!ec);
  CHECK(test::text(buf, n) == "hello b");
  CHECK(from == addr_of(a));
  b.recv_from(buf, from, ec);
  CHECK(ec == std::errc::operation_would_block);
}

}  // namespace

TEST_CASE("send_to and recv_from over IPv4, with peek_from") {
  send_recv_round_trip(test::loopback_v4());
}

TEST_CASE("send_to and recv_from over IPv6") {
  if (!test::has_ipv6_loopback()) {
    MESSAGE("no IPv6 loopback (::1) on this machine: IPv6 UDP case skipped");
    return;
  }
  send_recv_round_trip(test::loopback_v6());
  std::error_code ec;
  auto s = bound(test::loopback_v6());
  CHECK(addr_of(s).is_ipv6());
  s.only_v6(ec);
  CHECK(!ec);
}

TEST_CASE("datagrams keep their boundaries, and a short buffer truncates one") {
  auto a = bound(test::loopback_v4());
  auto b = bound(test::loopback_v4());
  std::error_code ec;
  a.send_to(test::bytes("first"), addr_of(b), ec);
  REQUIRE(!ec);
  a.send_to(test::bytes("second datagram"), addr_of(b), ec);
  REQUIRE(!ec);
  std::byte buf[64];
  SocketAddr from;
  auto n = test::retry_blocking([&](std::error_code& e) { return b.recv_from(buf, from, e); });
  CHECK(test::text(buf, n) == "first");
  std::byte small[6];
  n = test::retry_blocking([&](std::error_code& e) { return b.recv_from(small, from, e); });
  CHECK(test::text(small, n) == "second");
  b.recv_from(buf, from, ec);
  CHECK(ec == std::errc::operation_would_block);
}

TEST_CASE("connected sockets use send, recv and peek, and know their peer") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto a = bound(test::loopback_v4());
  auto b = bound(test::loopback_v4());
  REQUIRE(!a.connect(addr_of(b)));
  REQUIRE(!b.connect(addr_of(a)));
  std::error_code ec;
  CHECK(a.peer_addr(ec) == addr_of(b));
  REQUIRE(!ec);
  REQUIRE(!poll.registry().add(b, Token(2), Interest::readable));

  CHECK(a.send(test::bytes("connected"), ec) == 9);
  REQUIRE(!ec);
  test::expect_events(poll, events, {{Token(2), test::kReadable}});
  std::byte buf[32];
  auto n = b.peek(buf, ec);
  REQUIRE(!ec);
  CHECK(test::text(buf, n) == "connected");
  n = b.recv(buf, ec);
  REQUIRE(!ec);
  CHECK(test::text(buf, n) == "connected");
  b.recv(buf, ec);
  CHECK(ec == std::errc::operation_would_block);

  // A connected socket drops datagrams from anyone else.
  auto stranger = bound(test::loopback_v4());
  stranger.send_to(test::bytes("not for you"), addr_of(b), ec);
  REQUIRE(!ec);
  test::expect_no_events(poll, events, 100ms);
  b.recv(buf, ec);
  CHECK(ec == std::errc::operation_would_block);
}

TEST_CASE("an unconnected socket has no peer") {
  auto a = bound(test::loopback_v4());
  std::error_code ec;
  a.peer_addr(ec);
  CHECK(ec == std::errc::not_connected);
}

TEST_CASE("broadcast, ttl and multicast options round-trip") {
  auto s = bound(SocketAddr(Ipv4Addr::unspecified(), 0));
  std::error_code ec;
  CHECK(!s.broadcast(ec));
  REQUIRE(!ec);
  REQUIRE(!s.set_broadcast(true));
  CHECK(s.broadcast(ec));
  REQUIRE(!s.set_ttl(17));
  CHECK(s.ttl(ec) == 17);
  REQUIRE(!s.set_multicast_ttl_v4(5));
  CHECK(s.multicast_ttl_v4(ec) == 5);
  REQUIRE(!s.set_multicast_loop_v4(false));
  CHECK(!s.multicast_loop_v4(ec));
  REQUIRE(!s.set_multicast_loop_v4(true));
  CHECK(s.multicast_loop_v4(ec));
  CHECK(!ec);
}

TEST_CASE("joining and leaving an IPv4 multicast group") {
  auto s = bound(SocketAddr(Ipv4Addr::unspecified(), 0));
  const Ipv4Addr group(239, 255, 77, 1);
  REQUIRE(group.is_multicast());
  auto joined = s.join_multicast_v4(group, Ipv4Addr::localhost());
  REQUIRE_MESSAGE(!joined, joined.message());
  CHECK(!s.leave_multicast_v4(group, Ipv4Addr::localhost()));
  // Leaving again: no longer a member.
  CHECK(s.leave_multicast_v4(group, Ipv4Addr::localhost()));
  // Not a multicast address.
  CHECK(s.join_multicast_v4(Ipv4Addr(10, 0, 0, 1), Ipv4Addr::localhost()));
}

TEST_CASE("joining and leaving an IPv6 multicast group") {
  if (!test::has_ipv6_loopback()) {
    MESSAGE("no IPv6 loopback (::1) on this machine: IPv6 multicast case skipped");
    return;
  }
  auto s = bound(SocketAddr(Ipv6Addr::unspecified(), 0));
  std::error_code ec;
  REQUIRE(!s.set_multicast_loop_v6(false));
  CHECK(!s.multicast_loop_v6(ec));
  REQUIRE(!ec);
  const Ipv6Addr group(0xff02, 0, 0, 0, 0, 0, 0x7777, 1);
  // Interface 0 lets the OS choose; a machine whose only interface is a loopback
  // without multicast has no route for it (no_such_device): join on each index instead.
  std::error_code joined = s.join_multicast_v6(group, 0);
  std::uint32_t iface = 0;
  for (std::uint32_t i = 1; joined && i < 16; ++i) {
    joined = s.join_multicast_v6(group, i);
    iface = i;
  }
  REQUIRE_MESSAGE(!joined, joined.message());
  CHECK(!s.leave_multicast_v6(group, iface));
  CHECK(s.leave_multicast_v6(group, iface));
}

TEST_CASE("release and from_native") {
  auto s = bound(test::loopback_v4());
  auto addr = addr_of(s);
  auto handle = s.release();
  CHECK(!s.is_open());
  std::error_code ec;
  auto adopted = UdpSocket::from_native(handle, ec);
  REQUIRE(!ec);
  CHECK(addr_of(adopted) == addr);
}

TEST_CASE("bad input is answered with a clear error code") {
  std::error_code ec;
  SUBCASE("binding a Unix address") {
    auto addr = SocketAddr::unix_path("/tmp/pollux-not-udp", ec);
    REQUIRE(!ec);
    UdpSocket::bind(addr, ec);
    CHECK(ec == std::errc::address_family_not_supported);
  }
  SUBCASE("sending to the unspecified address") {
    auto s = bound(test::loopback_v4());
    CHECK(s.send_to(test::bytes("x"), SocketAddr{}, ec) == 0);
    CHECK(ec == std::errc::address_family_not_supported);
  }
  SUBCASE("send on an unconnected socket") {
    auto s = bound(test::loopback_v4());
    s.send(test::bytes("x"), ec);
    CHECK(ec);
  }
  SUBCASE("an empty socket") {
    UdpSocket empty;
    std::byte buf[4];
    SocketAddr from;
    empty.recv_from(buf, from, ec);
    CHECK(ec == std::errc::bad_file_descriptor);
    CHECK(empty.connect(test::loopback_v4(9)) == std::errc::bad_file_descriptor);
  }
}
