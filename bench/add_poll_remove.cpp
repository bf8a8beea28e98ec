// SPDX-License-Identifier: MIT
// W6: add + poll(timeout 0) + remove of one socket, over and over (one operation = the
// three calls): a loop that registers a short-lived source and polls without blocking.
// The socket is not readable, so each poll returns no events. pollux: Registry::add,
// Poll::poll(events, 0ms), Registry::remove of a UdpSocket. Raw epoll: EPOLL_CTL_ADD,
// epoll_wait(0), EPOLL_CTL_DEL of another UDP socket.

#include <sys/epoll.h>
#include <unistd.h>

#include <chrono>

#include <pollux/pollux.hpp>

#include "bench_util.hpp"

using namespace pollux;

namespace {

[[gnu::noinline]] void pollux_w6(Poll& poll, Events& events, net::UdpSocket& socket, long iters) {
  for (long i = 0; i < iters; ++i) {
    bench::check("add", poll.registry().add(socket, Token(7), Interest::readable));
    bench::check("poll", poll.poll(events, std::chrono::milliseconds(0)));
    bench::check("remove", poll.registry().remove(socket));
  }
}

[[gnu::noinline]] void raw_w6(int ep, epoll_event* records, int fd, long iters) {
  for (long i = 0; i < iters; ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = 7;
    bench::check_errno("EPOLL_CTL_ADD", ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
    bench::check_errno("epoll_wait", ::epoll_wait(ep, records, 64, 0) >= 0);
    bench::check_errno("EPOLL_CTL_DEL", ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr) == 0);
  }
}

net::UdpSocket udp_socket() {
  std::error_code ec;
  auto addr = net::SocketAddr::parse("127.0.0.1:0", ec);
  bench::check("SocketAddr::parse", ec);
  auto socket = net::UdpSocket::bind(addr, ec);
  bench::check("UdpSocket::bind", ec);
  return socket;
}

}  // namespace

int main(int argc, char** argv) {
  auto options = bench::parse(argc, argv, 100000);
  std::error_code ec;
  auto poll = Poll::create(ec);
  bench::check("Poll::create", ec);
  Events events(64);
  auto pollux_socket = udp_socket();
  auto raw_socket = udp_socket();
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  bench::check_errno("epoll_create1", ep >= 0);
  epoll_event records[64];
  bench::compare("W6 add + poll(0) + remove of a socket", "ops/s", options,
                 [&](long n) { pollux_w6(poll, events, pollux_socket, n); },
                 [&](long n) { raw_w6(ep, records, raw_socket.native_handle(), n); });
  ::close(ep);
}
