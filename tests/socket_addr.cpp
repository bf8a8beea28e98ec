// SPDX-License-Identifier: MIT
// SocketAddr, Ipv4Addr and Ipv6Addr: parsing and printing, portable and exact.

#include <doctest/doctest.h>

#include <pollux/net/socket_addr.hpp>

using pollux::net::Ipv4Addr;
using pollux::net::Ipv6Addr;
using pollux::net::SocketAddr;

namespace {

SocketAddr parse_ok(std::string_view text) {
  std::error_code ec;
  auto a = SocketAddr::parse(text, ec);
  REQUIRE_MESSAGE(!ec, text);
  return a;
}

bool parse_fails(std::string_view text) {
  std::error_code ec;
  auto a = SocketAddr::parse(text, ec);
  return ec == std::errc::invalid_argument && a.is_unspecified();
}

}  // namespace

TEST_CASE("IPv4 socket addresses parse and print") {
  auto a = parse_ok("192.0.2.33:8080");
  CHECK(a.is_ipv4());
  CHECK(a.ipv4() == Ipv4Addr(192, 0, 2, 33));
  CHECK(a.port() == 8080);
  CHECK(a.to_string() == "192.0.2.33:8080");
  CHECK(parse_ok("0.0.0.0:0").to_string() == "0.0.0.0:0");
  CHECK(parse_ok("255.255.255.255:65535").port() == 65535);
}

TEST_CASE("IPv6 socket addresses parse and print in RFC 5952 form") {
  auto a = parse_ok("[::1]:80");
  CHECK(a.is_ipv6());
  CHECK(a.ipv6().is_loopback());
  CHECK(a.to_string() == "[::1]:80");
  CHECK(parse_ok("[2001:DB8:0:0:0:0:0:1]:1").to_string() == "[2001:db8::1]:1");
  CHECK(parse_ok("[2001:db8:0:0:1:0:0:1]:1").to_string() == "[2001:db8::1:0:0:1]:1");
  CHECK(parse_ok("[2001:db8:0:1:1:1:1:1]:1").to_string() == "[2001:db8:0:1:1:1:1:1]:1");
  CHECK(parse_ok("[::]:9").to_string() == "[::]:9");
  CHECK(parse_ok("[1::]:9").to_string() == "[1::]:9");
  CHECK(parse_ok("[::ffff:192.0.2.1]:9").to_string() == "[::ffff:192.0.2.1]:9");
  auto scoped = parse_ok("[fe80::1%3]:443");
  CHECK(scoped.scope_id() == 3);
  CHECK(scoped.to_string() == "[fe80::1%3]:443");
  CHECK(SocketAddr(Ipv6Addr::localhost(), 1, 7, 0).flowinfo() == 7);
}

TEST_CASE("malformed text is invalid_argument") {
  for (auto text : {"", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:-1", "1.2.3:80",
                    "1.2.3.4.5:80", "256.1.1.1:80", "01.2.3.4:80", "1.2.3.4:8a", "::1:80",
                    "[::1:80", "[::1]", "[1:2:3:4:5:6:7:8:9]:1", "[1::2::3]:1", "[12345::]:1",
                    "[::g]:1", "[fe80::1%]:1", "[fe80::1%x]:1", "[1:2:3:4:5:6:7::8]:1",
                    "localhost:80"}) {
    CHECK_MESSAGE(parse_fails(text), text);
  }
}

TEST_CASE("Unix addresses: path, abstract, unnamed") {
  std::error_code ec;
  auto path = SocketAddr::unix_path("/run/x.sock", ec);
  REQUIRE(!ec);
  CHECK(path.is_unix());
  CHECK(!path.is_unix_abstract());
  CHECK(path.unix_path() == "/run/x.sock");
  CHECK(path.to_string() == "/run/x.sock");
  auto abstract = SocketAddr::unix_abstract(std::string_view("a\0b", 3), ec);
  REQUIRE(!ec);
  CHECK(abstract.is_unix_abstract());
  CHECK(abstract.unix_path().size() == 3);
  CHECK(abstract != path);
  CHECK(SocketAddr::unix_unnamed().is_unix_unnamed());
  CHECK(SocketAddr::unix_unnamed().to_string() == "(unnamed)");
  CHECK(SocketAddr().to_string() == "(unspecified)");
}

TEST_CASE("address predicates") {
  CHECK(Ipv4Addr(224, 0, 0, 1).is_multicast());
  CHECK(!Ipv4Addr(223, 255, 255, 255).is_multicast());
  CHECK(Ipv4Addr(127, 1, 2, 3).is_loopback());
  CHECK(Ipv4Addr::broadcast().is_broadcast());
  CHECK(Ipv6Addr(0xff02, 0, 0, 0, 0, 0, 0, 1).is_multicast());
  CHECK(Ipv6Addr().is_unspecified());
  std::error_code ec;
  CHECK(Ipv6Addr::parse("::1", ec) == Ipv6Addr::localhost());
  CHECK(Ipv4Addr::parse("10.0.0.1", ec) == Ipv4Addr(10, 0, 0, 1));
  CHECK(!ec);
}
