// SPDX-License-Identifier: MIT
// W4: add + remove of one socket, over and over (one operation = one add and one remove).
// pollux: Registry::add / Registry::remove of a UdpSocket. Raw epoll: EPOLL_CTL_ADD and
// EPOLL_CTL_DEL of another UDP socket, with the flags pollux asks for.

#include <sys/epoll.h>
#include <unistd.h>

#include <pollux/pollux.hpp>

#include "bench_util.hpp"

using namespace pollux;

namespace {

[[gnu::noinline]] void pollux_w4(const Registry& registry, net::UdpSocket& socket, long iters) {
  for (long i = 0; i < iters; ++i) {
    bench::check("add", registry.add(socket, Token(7), Interest::readable));
    bench::check("remove", registry.remove(socket));
  }
}

[[gnu::noinline]] void raw_w4(int ep, int fd, long iters) {
  for (long i = 0; i < iters; ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = 7;
    bench::check_errno("EPOLL_CTL_ADD", ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
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
  auto pollux_socket = udp_socket();
  auto raw_socket = udp_socket();
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  bench::check_errno("epoll_create1", ep >= 0);
  bench::compare("W4 add + remove of a socket", "ops/s", options,
                 [&](long n) { pollux_w4(poll.registry(), pollux_socket, n); },
                 [&](long n) { raw_w4(ep, raw_socket.native_handle(), n); });
  ::close(ep);
}
