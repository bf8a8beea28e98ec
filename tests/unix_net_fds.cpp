// SPDX-License-Identifier: MIT
// No descriptor leaks from the socket and pipe types, on success and failure paths:
// thousands of create/register/poll/destroy cycles leave /proc/self/fd as it was.

#include "unix_util.hpp"

#include <pollux/net/unix_datagram.hpp>
#include <pollux/net/unix_listener.hpp>
#include <pollux/net/unix_stream.hpp>
#include <pollux/unix/pipe.hpp>

#include <dirent.h>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Token;
using pollux::net::SocketAddr;
using pollux::net::TcpListener;
using pollux::net::TcpStream;
using pollux::net::UdpSocket;

namespace {

int count_fds() {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  REQUIRE(d != nullptr);
  while (::readdir(d) != nullptr) ++n;
  ::closedir(d);
  return n;
}

}  // namespace

TEST_CASE("2000 cycles of sockets and pipes registered, polled and destroyed leak no fd") {
  auto poll = test::init_with_poll();
  Events events(16);
  std::error_code ec;
  auto listener = TcpListener::bind(test::loopback_v4(), ec);
  REQUIRE(!ec);
  const auto addr = listener.local_addr(ec);
  const int before = count_fds();

  for (int i = 0; i < 2000; ++i) {
    auto client = TcpStream::connect(addr, ec);
    REQUIRE(!ec);
    auto server = test::retry_blocking([&](std::error_code& e) { return listener.accept(e); });
    auto udp = UdpSocket::bind(test::loopback_v4(), ec);
    REQUIRE(!ec);
    auto [a, b] = pollux::net::UnixStream::pair(ec);
    REQUIRE(!ec);
    auto [d1, d2] = pollux::net::UnixDatagram::pair(ec);
    REQUIRE(!ec);
    auto [sender, receiver] = pollux::unix::pipe(ec);
    REQUIRE(!ec);
    REQUIRE(!poll.registry().add(client, Token(1), Interest::readable | Interest::writable));
    REQUIRE(!poll.registry().add(server, Token(2), Interest::readable));
    REQUIRE(!poll.registry().add(udp, Token(3), Interest::readable));
    REQUIRE(!poll.registry().add(a, Token(4), Interest::readable));
    REQUIRE(!poll.registry().add(d1, Token(5), Interest::readable));
    REQUIRE(!poll.registry().add(receiver, Token(6), Interest::readable));
    REQUIRE(!poll.poll(events, 0ms));
    if (i % 2 == 0) REQUIRE(!poll.registry().remove(client));  // the rest leave by destruction
  }
  CHECK(count_fds() == before);
}

TEST_CASE("failed constructions leak no fd") {
  test::TempDir dir;
  std::error_code ec;
  auto taken = TcpListener::bind(test::loopback_v4(), ec);
  REQUIRE(!ec);
  const auto taken_addr = taken.local_addr(ec);
  const auto missing = dir.addr("missing.sock");
  const int before = count_fds();
  for (int i = 0; i < 500; ++i) {
    TcpListener::bind(taken_addr, ec);
    CHECK(ec == std::errc::address_in_use);
    TcpListener::bind(SocketAddr(pollux::net::Ipv4Addr(192, 0, 2, 1), 0), ec);
    CHECK(ec == std::errc::address_not_available);
    UdpSocket::bind(SocketAddr(pollux::net::Ipv4Addr(192, 0, 2, 1), 0), ec);
    CHECK(ec == std::errc::address_not_available);
    pollux::net::UnixStream::connect(missing, ec);
    CHECK(ec == std::errc::no_such_file_or_directory);
    pollux::net::UnixListener::bind(SocketAddr::unix_path("/nonexistent-pollux-dir/x", ec), ec);
    CHECK(ec == std::errc::no_such_file_or_directory);
  }
  CHECK(count_fds() == before);
}
