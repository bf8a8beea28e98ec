// SPDX-License-Identifier: MIT
// W1: 64-byte ping-pong over one loopback TCP connection, both ends on one thread and one
// poller (so that the figures are the poller's and the sockets', not the scheduler's).
// W5: the same with 10,000 idle sockets registered in the same poller.
// pollux: Poll + net::TcpStream (read until would-block after each event, as the
// edge-triggered contract asks). Raw epoll: the same loop over recv/send and an
// edge-triggered epoll set, with the same flags (EPOLLIN | EPOLLRDHUP | EPOLLET).

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <thread>
#include <vector>

#include <pollux/pollux.hpp>

#include "bench_util.hpp"

using namespace pollux;

namespace {

constexpr std::size_t kMessage = 64;
constexpr Token kClient{0}, kServer{1};

struct Connection {
  net::TcpStream client, server;
};

Connection connect_loopback() {
  std::error_code ec;
  auto any = net::SocketAddr::parse("127.0.0.1:0", ec);
  bench::check("SocketAddr::parse", ec);
  auto listener = net::TcpListener::bind(any, ec);
  bench::check("TcpListener::bind", ec);
  auto addr = listener.local_addr(ec);
  bench::check("local_addr", ec);
  Connection c;
  c.client = net::TcpStream::connect(addr, ec);
  bench::check("TcpStream::connect", ec);
  // Loopback handshakes finish at once; a short retry loop is all accept needs here.
  for (int tries = 0;; ++tries) {
    c.server = listener.accept(ec);
    if (!ec) break;
    if (ec != std::errc::operation_would_block || tries > 10000) bench::die("accept", ec);
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  bench::check("nodelay", c.client.set_nodelay(true));
  bench::check("nodelay", c.server.set_nodelay(true));
  return c;
}

// --- pollux ---
// Each side's helpers are inlined into its measured loop, so that both loops are one
// function each whatever the compiler's inlining heuristics make of their sizes.

[[gnu::always_inline]] inline void pollux_await(Poll& poll, Events& events, Token token) {
  for (;;) {
    bench::check("poll", poll.poll(events, std::nullopt));
    for (const auto& e : events) {
      if (e.token() == token) return;
    }
  }
}

[[gnu::always_inline]] inline void pollux_send(net::TcpStream& s, const std::array<std::byte, kMessage>& msg) {
  std::error_code ec;
  if (s.write(msg, ec) != kMessage) bench::die("write", ec);
}

[[gnu::always_inline]] inline void pollux_drain(net::TcpStream& s, std::array<std::byte, 256>& buf) {
  std::error_code ec;
  std::size_t total = 0;
  for (;;) {
    std::size_t n = s.read(buf, ec);
    if (ec) {
      if (is_would_block(ec)) break;
      bench::die("read", ec);
    }
    if (n == 0) bench::die("read", std::make_error_code(std::errc::connection_reset));
    total += n;
  }
  if (total == 0) bench::die("read", std::make_error_code(std::errc::no_message));
}

[[gnu::noinline]] void pollux_w1(Poll& poll, Connection& c, long iters) {
  Events events(64);
  std::array<std::byte, kMessage> msg{};
  std::array<std::byte, 256> buf;
  for (long i = 0; i < iters; ++i) {
    pollux_send(c.client, msg);
    pollux_await(poll, events, kServer);
    pollux_drain(c.server, buf);
    pollux_send(c.server, msg);
    pollux_await(poll, events, kClient);
    pollux_drain(c.client, buf);
  }
}

// --- raw epoll ---

[[gnu::always_inline]] inline void raw_await(int ep, epoll_event* events, std::uint64_t token) {
  for (;;) {
    int n = ::epoll_wait(ep, events, 64, -1);
    bench::check_errno("epoll_wait", n >= 0 || errno == EINTR);
    for (int i = 0; i < n; ++i) {
      if (events[i].data.u64 == token) return;
    }
  }
}

[[gnu::always_inline]] inline void raw_send(int fd, const std::array<std::byte, kMessage>& msg) {
  bench::check_errno("send", ::send(fd, msg.data(), msg.size(), MSG_NOSIGNAL) == kMessage);
}

[[gnu::always_inline]] inline void raw_drain(int fd, std::array<std::byte, 256>& buf) {
  std::size_t total = 0;
  for (;;) {
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EAGAIN) break;
    bench::check_errno("recv", n > 0);
    total += static_cast<std::size_t>(n);
  }
  if (total == 0) bench::die("recv", std::make_error_code(std::errc::no_message));
}

struct RawConnection {
  int client, server;
};

[[gnu::noinline]] void raw_w1(int ep, RawConnection& c, long iters) {
  epoll_event events[64];
  std::array<std::byte, kMessage> msg{};
  std::array<std::byte, 256> buf;
  for (long i = 0; i < iters; ++i) {
    raw_send(c.client, msg);
    raw_await(ep, events, kServer.value());
    raw_drain(c.server, buf);
    raw_send(c.server, msg);
    raw_await(ep, events, kClient.value());
    raw_drain(c.client, buf);
  }
}

void raw_add(int ep, int fd, std::uint64_t token) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
  ev.data.u64 = token;
  bench::check_errno("epoll_ctl", ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
}

}  // namespace

int main(int argc, char** argv) {
  auto options = bench::parse(argc, argv, 20000);
  std::error_code ec;
  auto poll = Poll::create(ec);
  bench::check("Poll::create", ec);
  Connection pc = connect_loopback();
  bench::check("add", poll.registry().add(pc.client, kClient, Interest::readable));
  bench::check("add", poll.registry().add(pc.server, kServer, Interest::readable));

  // The raw side gets a connection made the same way, then taken out of pollux's hands.
  Connection taken = connect_loopback();
  RawConnection rc{taken.client.release(), taken.server.release()};
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  bench::check_errno("epoll_create1", ep >= 0);
  raw_add(ep, rc.client, kClient.value());
  raw_add(ep, rc.server, kServer.value());

  auto run = [&](const char* name) {
    bench::compare(name, "rt/s", options, [&](long n) { pollux_w1(poll, pc, n); },
                   [&](long n) { raw_w1(ep, rc, n); });
  };
  if (options.idle <= 0) run("W1 tcp ping-pong 64 B");
  if (options.idle != 0) {
    // Idle sockets, registered in both pollers (the raw set shares pollux's fds).
    long count = options.idle < 0 ? 10000 : options.idle;
    auto any = net::SocketAddr::parse("127.0.0.1:0", ec);
    std::vector<net::UdpSocket> idle;
    idle.reserve(static_cast<std::size_t>(count));
    for (long i = 0; i < count; ++i) {
      idle.push_back(net::UdpSocket::bind(any, ec));
      bench::check("UdpSocket::bind (raise ulimit -n?)", ec);
      Token token(100 + static_cast<std::size_t>(i));
      bench::check("add idle", poll.registry().add(idle.back(), token, Interest::readable));
      raw_add(ep, idle.back().native_handle(), token.value());
    }
    std::string name = "W5 = W1 + " + std::to_string(count) + " idle sockets";
    run(name.c_str());
  }
  ::close(rc.client);
  ::close(rc.server);
  ::close(ep);
}
