// SPDX-License-Identifier: MIT
#pragma once
// Helpers for the socket suites: bytes from text, loopback addresses, connected pairs.
// Portable: pollux's API only, so the suites that include it also run on Windows.

#include "util.hpp"

#include <pollux/pollux.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace test {

inline std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

inline std::string text(std::span<const std::byte> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

inline std::string text(const std::byte* b, std::size_t n) { return text(std::span<const std::byte>(b, n)); }

inline pollux::net::SocketAddr loopback_v4(std::uint16_t port = 0) {
  return {pollux::net::Ipv4Addr::localhost(), port};
}

inline pollux::net::SocketAddr loopback_v6(std::uint16_t port = 0) {
  return {pollux::net::Ipv6Addr::localhost(), port};
}

/// Whether ::1 can be bound here (containers are often built without IPv6).
inline bool has_ipv6_loopback() {
  std::error_code ec;
  auto socket = pollux::net::UdpSocket::bind(loopback_v6(), ec);
  return !ec;
}

inline constexpr std::uint32_t kError = pollux::Event::kError;
inline constexpr std::uint32_t kPriority = pollux::Event::kPriority;

/// Polls `poll` until the predicate on an event holds for `token` or `within` passes;
/// returns the OR of all flags seen for the token.
inline std::uint32_t collect_flags(pollux::Poll& poll,
                                   pollux::Events& events,
                                   pollux::Token token,
                                   std::chrono::milliseconds within = 500ms) {
  std::uint32_t flags = 0;
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < deadline) {
    auto ec = poll.poll(events, 20ms);
    REQUIRE_MESSAGE(!ec, ec.message());
    for (const auto& e : events) {
      if (e.token() == token) flags |= e.flags();
    }
  }
  return flags;
}

/// Retries `op` (which sets an error_code) while it reports would-block, sleeping
/// briefly in between; for set-up steps where the test does not care about events.
template <class Op>
auto retry_blocking(Op op, std::chrono::milliseconds within = 2000ms) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (true) {
    std::error_code ec;
    auto result = op(ec);
    if (ec != std::errc::operation_would_block || std::chrono::steady_clock::now() >= deadline) {
      REQUIRE_MESSAGE(!ec, ec.message());
      return result;
    }
    std::this_thread::sleep_for(1ms);
  }
}

/// A listener on 127.0.0.1 and a connected pair of streams through it.
struct TcpPair {
  pollux::net::TcpListener listener;
  pollux::net::TcpStream client;
  pollux::net::TcpStream server;
};

inline TcpPair tcp_pair() {
  TcpPair p;
  std::error_code ec;
  p.listener = pollux::net::TcpListener::bind(loopback_v4(), ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  auto addr = p.listener.local_addr(ec);
  REQUIRE(!ec);
  p.client = pollux::net::TcpStream::connect(addr, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  p.server = retry_blocking([&](std::error_code& e) { return p.listener.accept(e); });
  // The client's connect completes with the server's accept queue entry; wait for it
  // so that tests start from an established connection.
  retry_blocking([&](std::error_code& e) {
    auto peer = p.client.peer_addr(e);
    if (e == std::errc::not_connected) e = std::make_error_code(std::errc::operation_would_block);
    return peer;
  });
  return p;
}

/// Writes all of `data`, retrying on would-block (for set-up; not a readiness test).
template <class Stream>
void write_all(Stream& s, std::span<const std::byte> data) {
  while (!data.empty()) {
    auto n = retry_blocking([&](std::error_code& e) { return s.write(data, e); });
    data = data.subspan(n);
  }
}

/// Reads until would-block; returns what was read and whether EOF was seen.
template <class Stream>
std::pair<std::string, bool> read_until_would_block(Stream& s) {
  std::string out;
  std::byte buf[4096];
  while (true) {
    std::error_code ec;
    auto n = s.read(buf, ec);
    if (ec == std::errc::operation_would_block) return {out, false};
    REQUIRE_MESSAGE(!ec, ec.message());
    if (n == 0) return {out, true};
    out += text(buf, n);
  }
}

}  // namespace test
