// SPDX-License-Identifier: MIT
// Signals interrupting a blocked poll: EINTR is retried with the time that remains, so
// it never surfaces as an error and never cuts a timeout short (or makes it endless).

#include "util.hpp"

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <thread>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Token;

namespace {

std::atomic<int> delivered{0};
void on_signal(int) { delivered.fetch_add(1); }

// Sends SIGUSR1 to `target` every 5 ms until stopped. The handler is installed without
// SA_RESTART; epoll_wait and poll are never restarted by the kernel anyway.
struct Interrupter {
  std::atomic<bool> stop{false};
  std::thread thread;
  explicit Interrupter(pthread_t target) {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGUSR1, &sa, nullptr);
    thread = std::thread([this, target] {
      while (!stop.load()) {
        ::pthread_kill(target, SIGUSR1);
        std::this_thread::sleep_for(5ms);
      }
    });
  }
  ~Interrupter() {
    stop.store(true);
    thread.join();
  }
};

}  // namespace

TEST_CASE("a poll interrupted by signals still waits its whole timeout, without error") {
  auto poll = test::init_with_poll();
  Events events(4);
  delivered.store(0);
  Interrupter interrupter(::pthread_self());
  auto start = std::chrono::steady_clock::now();
  REQUIRE(!poll.poll(events, 200ms));
  CHECK(std::chrono::steady_clock::now() - start >= 200ms);
  CHECK(events.empty());
  CHECK(delivered.load() > 0);
}

TEST_CASE("the longest timeout survives interruption: it still waits for the event") {
  auto poll = test::init_with_poll();
  Events events(4);
  std::error_code ec;
  pollux::Waker waker(poll.registry(), Token(4), ec);
  REQUIRE(!ec);
  delivered.store(0);
  Interrupter interrupter(::pthread_self());
  std::thread other([&] {
    std::this_thread::sleep_for(150ms);
    (void)waker.wake();
  });
  REQUIRE(!poll.poll(events, std::chrono::nanoseconds::max()));
  other.join();
  CHECK(delivered.load() > 0);
  REQUIRE(events.size() == 1);
  CHECK(events[0].token() == Token(4));
}

TEST_CASE("a poll without timeout, interrupted by signals, returns only for its event") {
  auto poll = test::init_with_poll();
  Events events(4);
  std::error_code ec;
  pollux::Waker waker(poll.registry(), Token(5), ec);
  REQUIRE(!ec);
  delivered.store(0);
  Interrupter interrupter(::pthread_self());
  std::thread other([&] {
    std::this_thread::sleep_for(150ms);
    (void)waker.wake();
  });
  REQUIRE(!poll.poll(events, std::nullopt));
  other.join();
  REQUIRE(events.size() == 1);
  CHECK(events[0].token() == Token(5));
}
