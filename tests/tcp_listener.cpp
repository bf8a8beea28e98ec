// SPDX-License-Identifier: MIT
// TcpListener: binding, accepting until would-block, addresses, options and errors.

#include "net_util.hpp"

#include <set>
#include <vector>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Token;
using pollux::net::SocketAddr;
using pollux::net::TcpListener;
using pollux::net::TcpStream;

TEST_CASE("binding port 0 picks a free port that local_addr reports") {
  std::error_code ec;
  auto listener = TcpListener::bind(test::loopback_v4(), ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  auto addr = listener.local_addr(ec);
  REQUIRE(!ec);
  CHECK(addr.is_ipv4());
  CHECK(addr.ipv4() == pollux::net::Ipv4Addr::localhost());
  CHECK(addr.port() != 0);
}

TEST_CASE("accept with nothing pending is would-block") {
  std::error_code ec;
  auto listener = TcpListener::bind(test::loopback_v4(), ec);
  REQUIRE(!ec);
  auto stream = listener.accept(ec);
  CHECK(ec == std::errc::operation_would_block);
  CHECK(!stream.is_open());
}

TEST_CASE("several pending connections: one readable event, accept until would-block") {
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  auto listener = TcpListener::bind(test::loopback_v4(), ec);
  REQUIRE(!ec);
  auto addr = listener.local_addr(ec);
  REQUIRE(!poll.registry().add(listener, Token(0), Interest::readable));

  constexpr int kClients = 5;
  std::vector<TcpStream> clients;
  std::set<std::uint16_t> client_ports;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(TcpStream::connect(addr, ec));
    REQUIRE_MESSAGE(!ec, ec.message());
  }
  std::vector<TcpStream> accepted;
  std::set<std::uint16_t> peer_ports;
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (accepted.size() < kClients && std::chrono::steady_clock::now() < deadline) {
    test::expect_events(poll, events, {{Token(0), test::kReadable}});
    while (true) {
      SocketAddr peer;
      auto stream = listener.accept(peer, ec);
      if (ec == std::errc::operation_would_block) break;
      REQUIRE_MESSAGE(!ec, ec.message());
      REQUIRE(stream.is_open());
      peer_ports.insert(peer.port());
      accepted.push_back(std::move(stream));
    }
  }
  REQUIRE(accepted.size() == kClients);
  for (auto& c : clients) {
    auto local = c.local_addr(ec);
    REQUIRE(!ec);
    client_ports.insert(local.port());
  }
  CHECK(client_ports == peer_ports);
  // Drained: no new event until another client comes.
  test::expect_no_events(poll, events, 100ms);
  auto late = TcpStream::connect(addr, ec);
  REQUIRE(!ec);
  test::expect_events(poll, events, {{Token(0), test::kReadable}});
}

TEST_CASE("accepted streams are non-blocking and usable") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto p = test::tcp_pair();
  std::byte buf[8];
  std::error_code ec;
  p.server.read(buf, ec);
  CHECK(ec == std::errc::operation_would_block);
  REQUIRE(!poll.registry().add(p.server, Token(3), Interest::readable));
  test::write_all(p.client, test::bytes("hi"));
  test::expect_events(poll, events, {{Token(3), test::kReadable}});
  auto [data, eof] = test::read_until_would_block(p.server);
  CHECK(data == "hi");
}

TEST_CASE("a second listener on a live port fails with address_in_use") {
  std::error_code ec;
  auto first = TcpListener::bind(test::loopback_v4(), ec);
  REQUIRE(!ec);
  auto addr = first.local_addr(ec);
  auto second = TcpListener::bind(addr, ec);
  CHECK(ec == std::errc::address_in_use);
  CHECK(!second.is_open());
}

TEST_CASE("a port can be bound again once its listener is closed") {
  std::error_code ec;
  SocketAddr addr;
  {
    auto p = test::tcp_pair();
    addr = p.listener.local_addr(ec);
    // Closing the server side first leaves its end of the connection in TIME_WAIT.
    p.server = TcpStream();
  }
  auto again = TcpListener::bind(addr, ec);
  CHECK_MESSAGE(!ec, ec.message());
}

TEST_CASE("ttl and take_error") {
  std::error_code ec;
  auto listener = TcpListener::bind(test::loopback_v4(), ec);
  REQUIRE(!ec);
  REQUIRE(!listener.set_ttl(99));
  CHECK(listener.ttl(ec) == 99);
  CHECK(!ec);
  CHECK(!listener.take_error(ec));
  CHECK(!ec);
}

TEST_CASE("an IPv6 listener") {
  if (!test::has_ipv6_loopback()) {
    MESSAGE("no IPv6 loopback (::1) on this machine: IPv6 listener case skipped");
    return;
  }
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  auto listener = TcpListener::bind(test::loopback_v6(), ec);
  REQUIRE(!ec);
  auto addr = listener.local_addr(ec);
  REQUIRE(addr.is_ipv6());
  CHECK(addr.ipv6().is_loopback());
  REQUIRE(!poll.registry().add(listener, Token(1), Interest::readable));
  auto client = TcpStream::connect(addr, ec);
  REQUIRE(!ec);
  test::expect_events(poll, events, {{Token(1), test::kReadable}});
  SocketAddr peer;
  auto server = listener.accept(peer, ec);
  REQUIRE(!ec);
  CHECK(peer.is_ipv6());
  CHECK(peer == client.local_addr(ec));
}

TEST_CASE("release and from_native keep the listener listening") {
  std::error_code ec;
  auto listener = TcpListener::bind(test::loopback_v4(), ec);
  REQUIRE(!ec);
  auto addr = listener.local_addr(ec);
  auto handle = listener.release();
  CHECK(!listener.is_open());
  auto adopted = TcpListener::from_native(handle, ec);
  REQUIRE(!ec);
  auto client = TcpStream::connect(addr, ec);
  REQUIRE(!ec);
  auto server = test::retry_blocking([&](std::error_code& e) { return adopted.accept(e); });
  CHECK(server.is_open());
}

TEST_CASE("bad input is answered with a clear error code") {
  std::error_code ec;
  SUBCASE("a Unix address") {
    auto addr = SocketAddr::unix_path("/tmp/pollux-not-tcp", ec);
    REQUIRE(!ec);
    TcpListener::bind(addr, ec);
    CHECK(ec == std::errc::address_family_not_supported);
  }
  SUBCASE("an address that is not local") {
    TcpListener::bind(SocketAddr(pollux::net::Ipv4Addr(192, 0, 2, 1), 0), ec);
    CHECK(ec == std::errc::address_not_available);
  }
  SUBCASE("an empty listener") {
    TcpListener empty;
    empty.accept(ec);
    CHECK(ec == std::errc::bad_file_descriptor);
    empty.local_addr(ec);
    CHECK(ec == std::errc::bad_file_descriptor);
  }
}
