// SPDX-License-Identifier: MIT
// unix::SourceFd over raw pipes: registration semantics, errors, capacity, threads, leaks.
// Raw fds have no IoSource, so after a would-block these tests call modify() to re-arm:
// needed on the poll(2) backend, harmless on epoll (the documented SourceFd rule).

#include "util.hpp"

#include <pollux/unix/source_fd.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <thread>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Token;
using pollux::unix::SourceFd;

namespace {

struct RawPipe {
  int r = -1, w = -1;
  RawPipe() { REQUIRE(::pipe2(&r, O_NONBLOCK | O_CLOEXEC) == 0); }
  ~RawPipe() {
    if (r >= 0) ::close(r);
    if (w >= 0) ::close(w);
  }
  void put(const char* s = "x") { REQUIRE(::write(w, s, 1) == 1); }
  void drain() {
    char buf[256];
    while (::read(r, buf, sizeof buf) > 0) {
    }
  }
};

int count_fds() {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  REQUIRE(d != nullptr);
  while (::readdir(d) != nullptr) ++n;
  ::closedir(d);
  return n;
}

}  // namespace

TEST_CASE("a registered pipe reports readable, then nothing once drained") {
  auto poll = test::init_with_poll();
  Events events(8);
  RawPipe p;
  SourceFd src(p.r);
  REQUIRE(!poll.registry().add(src, Token(7), Interest::readable));
  test::expect_no_events(poll, events);
  p.put();
  test::expect_events(poll, events, {{Token(7), test::kReadable}});
  p.drain();
  REQUIRE(!poll.registry().modify(src, Token(7), Interest::readable));
  test::expect_no_events(poll, events);
  p.put();
  test::expect_events(poll, events, {{Token(7), test::kReadable}});
}

TEST_CASE("edge-triggered: readiness that was reported is not reported again") {
  auto poll = test::init_with_poll();
  Events events(8);
  RawPipe p;
  SourceFd src(p.r);
  REQUIRE(!poll.registry().add(src, Token(1), Interest::readable));
  p.put();
  test::expect_events(poll, events, {{Token(1), test::kReadable}});
  test::expect_no_events(poll, events);
}

TEST_CASE("modify changes the token and the interest") {
  auto poll = test::init_with_poll();
  Events events(8);
  RawPipe p;
  SourceFd src(p.w);
  REQUIRE(!poll.registry().add(src, Token(1), Interest::readable));
  test::expect_no_events(poll, events);
  REQUIRE(!poll.registry().modify(src, Token(2), Interest::writable));
  test::expect_events(poll, events, {{Token(2), test::kWritable}});
}

TEST_CASE("after remove returns, the token never appears again") {
  auto poll = test::init_with_poll();
  Events events(8);
  RawPipe p;
  SourceFd src(p.r);
  REQUIRE(!poll.registry().add(src, Token(9), Interest::readable));
  p.put();
  REQUIRE(!poll.registry().remove(src));
  test::expect_no_events(poll, events);
  p.put();
  test::expect_no_events(poll, events);
}

TEST_CASE("every token value round-trips") {
  auto poll = test::init_with_poll();
  Events events(8);
  for (std::size_t value : {std::size_t{0}, std::size_t{1}, SIZE_MAX / 2, SIZE_MAX - 1, SIZE_MAX}) {
    RawPipe p;
    SourceFd src(p.r);
    REQUIRE(!poll.registry().add(src, Token(value), Interest::readable));
    p.put();
    test::expect_events(poll, events, {{Token(value), test::kReadable}});
    REQUIRE(!poll.registry().remove(src));
  }
}

TEST_CASE("bad input is answered with a clear error code") {
  auto poll = test::init_with_poll();
  const auto& reg = poll.registry();
  RawPipe p;
  SourceFd src(p.r);
  SUBCASE("double add") {
    REQUIRE(!reg.add(src, Token(1), Interest::readable));
    CHECK(reg.add(src, Token(2), Interest::readable) == std::errc::file_exists);
  }
  SUBCASE("modify or remove of a source never added") {
    CHECK(reg.modify(src, Token(1), Interest::readable) == std::errc::no_such_file_or_directory);
    CHECK(reg.remove(src) == std::errc::no_such_file_or_directory);
  }
  SUBCASE("remove twice") {
    REQUIRE(!reg.add(src, Token(1), Interest::readable));
    REQUIRE(!reg.remove(src));
    CHECK(reg.remove(src) == std::errc::no_such_file_or_directory);
  }
  SUBCASE("an invalid fd") {
    SourceFd bad(-1);
    CHECK(reg.add(bad, Token(1), Interest::readable) == std::errc::bad_file_descriptor);
  }
  SUBCASE("a closed fd") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    ::close(fds[0]);
    ::close(fds[1]);
    SourceFd closed(fds[0]);
    CHECK(reg.add(closed, Token(1), Interest::readable) == std::errc::bad_file_descriptor);
  }
  SUBCASE("an empty interest") {
    CHECK(reg.add(src, Token(1), Interest{}) == std::errc::invalid_argument);
    REQUIRE(!reg.add(src, Token(1), Interest::readable));
    CHECK(reg.modify(src, Token(1), Interest{}) == std::errc::invalid_argument);
  }
  SUBCASE("a registry without a poll") {
    pollux::Registry none;
    CHECK(none.add(src, Token(1), Interest::readable) == std::errc::bad_file_descriptor);
    CHECK(none.remove(src) == std::errc::bad_file_descriptor);
  }
}

TEST_CASE("Events capacity is respected and the rest come with the next poll") {
  auto poll = test::init_with_poll();
  std::vector<std::unique_ptr<RawPipe>> pipes;
  for (std::size_t i = 0; i < 10; ++i) {
    pipes.push_back(std::make_unique<RawPipe>());
    SourceFd src(pipes.back()->r);
    REQUIRE(!poll.registry().add(src, Token(i), Interest::readable));
    pipes.back()->put();
  }
  Events events(3);
  std::vector<bool> seen(10, false);
  std::size_t total = 0;
  for (int round = 0; round < 10 && total < 10; ++round) {
    REQUIRE(!poll.poll(events, 1s));
    CHECK(events.size() <= 3);
    for (const auto& e : events) {
      REQUIRE(e.token().value() < 10);
      if (!seen[e.token().value()]) ++total;
      seen[e.token().value()] = true;
    }
  }
  CHECK(total == 10);
}

TEST_CASE("a source added from another thread ends a poll already blocked") {
  auto poll = test::init_with_poll();
  Events events(8);
  RawPipe p;
  p.put();
  std::error_code ec;
  auto registry = poll.registry().try_clone(ec);
  REQUIRE(!ec);
  std::thread other([&] {
    std::this_thread::sleep_for(200ms);
    SourceFd src(p.r);
    REQUIRE(!registry.add(src, Token(42), Interest::readable));
  });
  // The event under the new token is the proof: the poll that was already waiting saw
  // the change. The long timeout only ends a poll that never would.
  REQUIRE(!poll.poll(events, 30s));
  other.join();
  REQUIRE(events.size() == 1);
  CHECK(events[0].token() == Token(42));
  CHECK(events[0].is_readable());
}

TEST_CASE("the write end reports write_closed when the reader is gone") {
  auto poll = test::init_with_poll();
  Events events(8);
  RawPipe p;
  SourceFd src(p.w);
  REQUIRE(!poll.registry().add(src, Token(3), Interest::writable));
  test::expect_events(poll, events, {{Token(3), test::kWritable}});
  ::close(p.r);
  p.r = -1;
  test::expect_events(poll, events, {{Token(3), test::kWriteClosed}});
}

TEST_CASE("2000 create, register, poll, destroy cycles leak no fds") {
  int before = count_fds();
  for (int i = 0; i < 2000; ++i) {
    auto poll = test::init_with_poll();
    Events events(4);
    RawPipe p;
    SourceFd src(p.r);
    REQUIRE(!poll.registry().add(src, Token(1), Interest::readable));
    std::error_code ec;
    pollux::Waker waker(poll.registry(), Token(2), ec);
    REQUIRE(!ec);
    REQUIRE(!waker.wake());
    REQUIRE(!poll.poll(events, 0ns));
  }
  CHECK(count_fds() == before);
}
