// SPDX-License-Identifier: MIT
// W3: cross-thread wake ping-pong. Two threads, each blocked in its own poller; each
// round trip is one wake each way. pollux: two Polls with a Waker each. Raw epoll: two
// epoll sets with an edge-triggered eventfd each (written, never read: every write is an
// edge), which is the least a hand-written loop needs. Each side's two threads run on
// the same two CPUs (0 and 1) in every run: where the scheduler placed them otherwise
// changed a round trip's cost by tens of percent from run to run.

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <thread>

#include <pollux/pollux.hpp>

#include "bench_util.hpp"

using namespace pollux;

namespace {

[[gnu::noinline]] void pollux_w3_wait_then_wake(Poll& poll, const Waker& other, long iters) {
  Events events(8);
  for (long i = 0; i < iters; ++i) {
    do {
      bench::check("poll", poll.poll(events, std::nullopt));
    } while (events.empty());
    bench::check("wake", other.wake());
  }
}

[[gnu::noinline]] void pollux_w3_wake_then_wait(Poll& poll, const Waker& other, long iters) {
  Events events(8);
  for (long i = 0; i < iters; ++i) {
    bench::check("wake", other.wake());
    do {
      bench::check("poll", poll.poll(events, std::nullopt));
    } while (events.empty());
  }
}

struct PolluxSide {
  Poll a, b;
  Waker wake_a, wake_b;
  PolluxSide() {
    std::error_code ec;
    a = Poll::create(ec);
    bench::check("Poll::create", ec);
    b = Poll::create(ec);
    bench::check("Poll::create", ec);
    wake_a = Waker(a.registry(), Token(1), ec);
    bench::check("Waker", ec);
    wake_b = Waker(b.registry(), Token(2), ec);
    bench::check("Waker", ec);
  }
  void run(long iters) {
    std::thread peer([&] {
      bench::pin_to_cpu(1);
      pollux_w3_wait_then_wake(b, wake_a, iters);
    });
    pollux_w3_wake_then_wait(a, wake_b, iters);
    peer.join();
  }
};

void raw_wait(int ep) {
  epoll_event events[8];
  int n;
  do {
    n = ::epoll_wait(ep, events, 8, -1);
    bench::check_errno("epoll_wait", n >= 0 || errno == EINTR);
  } while (n <= 0);
}

void raw_wake(int efd) {
  std::uint64_t one = 1;
  bench::check_errno("eventfd write", ::write(efd, &one, sizeof one) == sizeof one);
}

[[gnu::noinline]] void raw_w3_wait_then_wake(int ep, int other_efd, long iters) {
  for (long i = 0; i < iters; ++i) {
    raw_wait(ep);
    raw_wake(other_efd);
  }
}

[[gnu::noinline]] void raw_w3_wake_then_wait(int ep, int other_efd, long iters) {
  for (long i = 0; i < iters; ++i) {
    raw_wake(other_efd);
    raw_wait(ep);
  }
}

struct RawSide {
  int ep_a, ep_b, efd_a, efd_b;
  RawSide() {
    ep_a = ::epoll_create1(EPOLL_CLOEXEC);
    ep_b = ::epoll_create1(EPOLL_CLOEXEC);
    efd_a = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    efd_b = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    bench::check_errno("epoll/eventfd", ep_a >= 0 && ep_b >= 0 && efd_a >= 0 && efd_b >= 0);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u64 = 1;
    bench::check_errno("epoll_ctl", ::epoll_ctl(ep_a, EPOLL_CTL_ADD, efd_a, &ev) == 0);
    ev.data.u64 = 2;
    bench::check_errno("epoll_ctl", ::epoll_ctl(ep_b, EPOLL_CTL_ADD, efd_b, &ev) == 0);
  }
  ~RawSide() {
    for (int fd : {ep_a, ep_b, efd_a, efd_b}) ::close(fd);
  }
  void run(long iters) {
    std::thread peer([&] {
      bench::pin_to_cpu(1);
      raw_w3_wait_then_wake(ep_b, efd_a, iters);
    });
    raw_w3_wake_then_wait(ep_a, efd_b, iters);
    peer.join();
  }
};

}  // namespace

int main(int argc, char** argv) {
  auto options = bench::parse(argc, argv, 30000);
  bench::pin_to_cpu(0);  // and each side's peer thread to CPU 1
  PolluxSide pollux_side;
  RawSide raw_side;
  bench::compare("W3 cross-thread wake ping-pong", "rt/s", options,
                 [&](long n) { pollux_side.run(n); }, [&](long n) { raw_side.run(n); });
}
