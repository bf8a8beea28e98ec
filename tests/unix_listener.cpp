// SPDX-License-Identifier: MIT
// UnixListener: binding paths and abstract names, accepting until would-block.

#include "unix_util.hpp"

#include <pollux/net/unix_listener.hpp>
#include <pollux/net/unix_stream.hpp>

#include <vector>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Token;
using pollux::net::SocketAddr;
using pollux::net::UnixListener;
using pollux::net::UnixStream;

TEST_CASE("bound to a path: local_addr is the path, and clients are accepted until would-block") {
  test::TempDir dir;
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  auto addr = dir.addr("listener.sock");
  auto listener = UnixListener::bind(addr, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  CHECK(listener.local_addr(ec) == addr);
  CHECK(listener.local_addr(ec).unix_path() == addr.unix_path());
  REQUIRE(!poll.registry().add(listener, Token(0), Interest::readable));
  listener.accept(ec);
  CHECK(ec == std::errc::operation_would_block);

  std::vector<UnixStream> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(UnixStream::connect(addr, ec));
    REQUIRE(!ec);
  }
  test::expect_events(poll, events, {{Token(0), test::kReadable}});
  std::vector<UnixStream> accepted;
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (accepted.size() < 3 && std::chrono::steady_clock::now() < deadline) {
    SocketAddr peer;
    auto s = listener.accept(peer, ec);
    if (ec == std::errc::operation_would_block) {
      test::expect_events(poll, events, {{Token(0), test::kReadable}});
      continue;
    }
    REQUIRE(!ec);
    CHECK(peer.is_unix_unnamed());
    accepted.push_back(std::move(s));
  }
  CHECK(accepted.size() == 3);
  listener.accept(ec);
  CHECK(ec == std::errc::operation_would_block);
}

TEST_CASE("bound to an abstract name") {
  std::error_code ec;
  auto addr = test::unique_abstract("listener");
  auto listener = UnixListener::bind(addr, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  auto local = listener.local_addr(ec);
  REQUIRE(!ec);
  CHECK(local.is_unix_abstract());
  CHECK(local == addr);
  CHECK(local.to_string() == std::string("@").append(addr.unix_path()));
  auto client = UnixStream::connect(addr, ec);
  REQUIRE(!ec);
  auto server = test::retry_blocking([&](std::error_code& e) { return listener.accept(e); });
  CHECK(server.is_open());
}

TEST_CASE("a taken path or name is address_in_use") {
  test::TempDir dir;
  std::error_code ec;
  SocketAddr addr;
  SUBCASE("path") { addr = dir.addr("taken.sock"); }
  SUBCASE("abstract") { addr = test::unique_abstract("taken"); }
  auto first = UnixListener::bind(addr, ec);
  REQUIRE(!ec);
  auto second = UnixListener::bind(addr, ec);
  CHECK(ec == std::errc::address_in_use);
  CHECK(!second.is_open());
}

TEST_CASE("bad input is answered with a clear error code") {
  std::error_code ec;
  SUBCASE("an IP address") {
    UnixListener::bind(test::loopback_v4(), ec);
    CHECK(ec == std::errc::address_family_not_supported);
  }
  SUBCASE("a directory that does not exist") {
    auto addr = SocketAddr::unix_path("/nonexistent-pollux-dir/x.sock", ec);
    REQUIRE(!ec);
    UnixListener::bind(addr, ec);
    CHECK(ec == std::errc::no_such_file_or_directory);
  }
  SUBCASE("an empty listener") {
    UnixListener empty;
    empty.accept(ec);
    CHECK(ec == std::errc::bad_file_descriptor);
  }
}
