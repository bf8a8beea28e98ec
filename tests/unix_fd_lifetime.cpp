// SPDX-License-Identifier: MIT
// Raw fds whose life does not follow the rules (closed while registered, numbers reused,
// files that cannot block), changes racing a blocked poll, one fd in two Polls. epoll
// answers these in the kernel; the poll(2) backend must give the same observable answers.

#include "util.hpp"

#include <pollux/unix/pipe.hpp>
#include <pollux/unix/source_fd.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <initializer_list>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
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
  ~RawPipe() { close(); }
  void close() {
    if (r >= 0) ::close(r);
    if (w >= 0) ::close(w);
    r = w = -1;
  }
  void put() { REQUIRE(::write(w, "x", 1) == 1); }
};

}  // namespace

TEST_CASE("an fd closed while registered is reported at most once and never spins") {
  auto poll = test::init_with_poll();
  Events events(8);
  RawPipe p;
  const int fd = p.r;
  SourceFd src(fd);
  REQUIRE(!poll.registry().add(src, Token(1), Interest::readable));
  p.close();
  std::size_t reported = 0;
  for (int i = 0; i < 3; ++i) {
    auto start = std::chrono::steady_clock::now();
    REQUIRE(!poll.poll(events, 60ms));
    reported += events.size();
    // After the first poll nothing is left to report: each poll waits out its timeout.
    if (i > 0) CHECK(std::chrono::steady_clock::now() - start >= 60ms);
  }
  CHECK(reported <= 1);
  CHECK(poll.registry().remove(src) == std::errc::bad_file_descriptor);
}

TEST_CASE("an fd number reused after a close without remove can be added again") {
  auto poll = test::init_with_poll();
  Events events(8);
  RawPipe old_pipe;
  const int fd = old_pipe.r;
  SourceFd src(fd);
  REQUIRE(!poll.registry().add(src, Token(1), Interest::readable));
  old_pipe.close();
  RawPipe fresh;
  REQUIRE(::dup2(fresh.r, fd) == fd);
  REQUIRE(!poll.registry().add(src, Token(2), Interest::readable));
  CHECK(poll.registry().add(src, Token(3), Interest::readable) == std::errc::file_exists);
  fresh.put();
  test::expect_events(poll, events, {{Token(2), test::kReadable}});
  for (const auto& e : events) CHECK(e.token() == Token(2));
  REQUIRE(!poll.registry().remove(src));
  ::close(fd);
}

TEST_CASE("regular files and directories are refused with operation_not_permitted") {
  auto poll = test::init_with_poll();
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  SourceFd regular(::fileno(file));
  CHECK(poll.registry().add(regular, Token(1), Interest::readable) ==
        std::errc::operation_not_permitted);
  std::fclose(file);
  int dir = ::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(dir >= 0);
  SourceFd directory(dir);
  CHECK(poll.registry().add(directory, Token(1), Interest::readable) ==
        std::errc::operation_not_permitted);
  ::close(dir);
}

TEST_CASE("modify from another thread re-arms a poll already blocked") {
  auto poll = test::init_with_poll();
  Events events(8);
  RawPipe p;
  SourceFd src(p.r);
  REQUIRE(!poll.registry().add(src, Token(1), Interest::readable));
  p.put();
  test::expect_events(poll, events, {{Token(1), test::kReadable}});
  std::error_code ec;
  auto registry = poll.registry().try_clone(ec);
  REQUIRE(!ec);
  std::thread other([&] {
    std::this_thread::sleep_for(100ms);
    REQUIRE(!registry.modify(src, Token(2), Interest::readable));
  });
  // The event under the new token is the proof: the poll that was already waiting saw
  // the change. The long timeout only ends a poll that never would.
  REQUIRE(!poll.poll(events, 30s));
  other.join();
  REQUIRE(events.size() == 1);
  CHECK(events[0].token() == Token(2));
}

TEST_CASE("with capacity 1, ready fds and a woken Waker are each reported in turn") {
  auto poll = test::init_with_poll();
  std::vector<std::unique_ptr<RawPipe>> pipes;
  for (std::size_t i = 0; i < 5; ++i) {
    pipes.push_back(std::make_unique<RawPipe>());
    SourceFd src(pipes.back()->r);
    REQUIRE(!poll.registry().add(src, Token(i), Interest::readable));
    pipes.back()->put();
  }
  std::error_code ec;
  pollux::Waker waker(poll.registry(), Token(100), ec);
  REQUIRE(!ec);
  REQUIRE(!waker.wake());
  Events events(1);
  std::set<std::size_t> seen;
  for (int round = 0; round < 30 && seen.size() < 6; ++round) {
    REQUIRE(!poll.poll(events, 1s));
    REQUIRE(events.size() <= 1);
    for (const auto& e : events) seen.insert(e.token().value());
  }
  CHECK(seen == std::set<std::size_t>{0, 1, 2, 3, 4, 100});
}

TEST_CASE("tokens removed by another thread never appear in a poll that starts later") {
  auto poll = test::init_with_poll();
  std::error_code ec;
  auto registry = poll.registry().try_clone(ec);
  REQUIRE(!ec);
  // Every pipe is readable from the start; the other thread adds each under a new token
  // and removes it, in token order, and publishes the last token removed.
  std::atomic<std::size_t> removed{0};
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::thread other([&] {
    for (std::size_t token = 1; !stop.load(); ++token) {
      RawPipe p;
      p.put();
      SourceFd src(p.r);
      if (registry.add(src, Token(token), Interest::readable)) failures.fetch_add(1);
      std::this_thread::yield();
      if (registry.remove(src)) failures.fetch_add(1);
      removed.store(token);
    }
  });
  Events events(16);
  std::size_t polls = 0, seen = 0;
  const auto end = std::chrono::steady_clock::now() + 300ms;
  while (std::chrono::steady_clock::now() < end) {
    const std::size_t before = removed.load();
    REQUIRE(!poll.poll(events, 5ms));
    ++polls;
    for (const auto& e : events) {
      ++seen;
      CHECK(e.token().value() > before);
    }
  }
  stop.store(true);
  other.join();
  CHECK(failures.load() == 0);
  CHECK(polls > 0);
  MESSAGE(polls << " polls, " << seen << " events, " << removed.load() << " sources added and removed");
}

TEST_CASE("a pollux source is refused by a second Poll; its fd may be watched there through SourceFd") {
  auto first = test::init_with_poll();
  auto second = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  // Not a structured binding: clang before 16 cannot capture one in a lambda.
  auto pipe = pollux::unix::pipe(ec);
  REQUIRE(!ec);
  auto& sender = pipe.first;
  auto& receiver = pipe.second;
  REQUIRE(!first.registry().add(receiver, Token(1), Interest::readable));
  CHECK(second.registry().add(receiver, Token(2), Interest::readable) == std::errc::file_exists);
  CHECK(first.registry().add(receiver, Token(3), Interest::readable) == std::errc::file_exists);
  // SourceFd keeps no state: the same fd may be watched from any number of Polls.
  SourceFd raw(receiver.native_handle());
  REQUIRE(!second.registry().add(raw, Token(2), Interest::readable));
  std::byte byte{1};
  auto send = [&, &sender = sender] { REQUIRE(sender.write(std::span(&byte, 1), ec) == 1); };
  auto drain = [&, &receiver = receiver] {
    std::byte buf[16];
    while (receiver.read(buf, ec) > 0) {
    }
    REQUIRE(ec == std::errc::operation_would_block);
  };
  for (int round = 0; round < 2; ++round) {
    send();
    test::expect_events(first, events, {{Token(1), test::kReadable}});
    test::expect_events(second, events, {{Token(2), test::kReadable}});
    drain();
    // poll(2) re-arms a SourceFd only through modify (see the README's notes).
    REQUIRE(!second.registry().modify(raw, Token(2), Interest::readable));
  }
  REQUIRE(!first.registry().remove(receiver));
  send();
  test::expect_no_events(first, events);
  test::expect_events(second, events, {{Token(2), test::kReadable}});
  REQUIRE(!second.registry().remove(raw));
}

// Registers a pipe's receiver in `polls` through `registration`, destroys the receiver
// while a dup of its fd lives, and expects every one of the Polls to stay silent when
// data arrives. The dup stands in for what a concurrent spawn briefly holds: another
// reference to the same open file, which keeps it in epoll's sets unless the source
// removes itself.
template <class Registration>
void expect_destroyed_receiver_silent(std::initializer_list<pollux::Poll*> polls, Registration registration) {
  Events events(8);
  std::error_code ec;
  auto [sender, receiver] = pollux::unix::pipe(ec);
  REQUIRE(!ec);
  registration(receiver);
  int other = ::dup(receiver.native_handle());
  REQUIRE(other >= 0);
  receiver = pollux::unix::Receiver();
  const std::byte one[1] = {std::byte{1}};
  REQUIRE(sender.write(one, ec) == 1);
  for (pollux::Poll* poll : polls) test::expect_no_events(*poll, events, 100ms);
  ::close(other);
}

TEST_CASE("a destroyed pollux source never reports again, even while its file lives on") {
  auto poll = test::init_with_poll();
  expect_destroyed_receiver_silent({&poll}, [&](pollux::unix::Receiver& receiver) {
    REQUIRE(!poll.registry().add(receiver, Token(6), Interest::readable));
  });
}

TEST_CASE("a source removed, added again and destroyed never reports again while its file lives on") {
  auto poll = test::init_with_poll();
  expect_destroyed_receiver_silent({&poll}, [&](pollux::unix::Receiver& receiver) {
    REQUIRE(!poll.registry().add(receiver, Token(6), Interest::readable));
    REQUIRE(!poll.registry().remove(receiver));
    REQUIRE(!poll.registry().add(receiver, Token(7), Interest::readable));
  });
}

TEST_CASE("a source refused by a second Poll, destroyed while its file lives on, reports in neither") {
  auto first = test::init_with_poll();
  auto second = test::init_with_poll();
  expect_destroyed_receiver_silent({&first, &second}, [&](pollux::unix::Receiver& receiver) {
    REQUIRE(!first.registry().add(receiver, Token(1), Interest::readable));
    CHECK(second.registry().add(receiver, Token(2), Interest::readable) == std::errc::file_exists);
    CHECK(first.registry().add(receiver, Token(3), Interest::readable) == std::errc::file_exists);
  });
}

TEST_CASE("a source added to a Poll that is gone, then to another, reports in neither once destroyed") {
  auto first = std::make_unique<pollux::Poll>(test::init_with_poll());
  auto second = test::init_with_poll();
  expect_destroyed_receiver_silent({&second}, [&](pollux::unix::Receiver& receiver) {
    REQUIRE(!first->registry().add(receiver, Token(1), Interest::readable));
    first.reset();
    REQUIRE(!second.registry().add(receiver, Token(2), Interest::readable));
  });
}

TEST_CASE("a source removed from a Poll that is then destroyed closes cleanly") {
  std::error_code ec;
  auto [sender, receiver] = pollux::unix::pipe(ec);
  REQUIRE(!ec);
  {
    auto poll = test::init_with_poll();
    REQUIRE(!poll.registry().add(receiver, Token(1), Interest::readable));
    REQUIRE(!poll.registry().remove(receiver));
  }
  // The source may still hold the gone Poll's selector; adding it to a new one and
  // destroying it must neither fail nor touch freed memory (ASan watches).
  auto poll = test::init_with_poll();
  Events events(8);
  REQUIRE(!poll.registry().add(receiver, Token(2), Interest::readable));
  const std::byte one[1] = {std::byte{1}};
  REQUIRE(sender.write(one, ec) == 1);
  test::expect_events(poll, events, {{Token(2), test::kReadable}});
  receiver = pollux::unix::Receiver();
}

namespace {

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

}  // namespace

TEST_CASE("a source added to and removed from 1000 Polls leaves no Poll open") {
  std::error_code ec;
  auto [sender, receiver] = pollux::unix::pipe(ec);
  REQUIRE(!ec);
  const std::size_t before = open_fds();
  for (int i = 0; i < 1000; ++i) {
    auto poll = test::init_with_poll();
    REQUIRE(!poll.registry().add(receiver, Token(1), Interest::readable));
    REQUIRE(!poll.registry().remove(receiver));
  }
  CHECK(open_fds() == before);
  // The same once more, with the source destroyed after its remove.
  auto poll = test::init_with_poll();
  REQUIRE(!poll.registry().add(receiver, Token(1), Interest::readable));
  REQUIRE(!poll.registry().remove(receiver));
  receiver = pollux::unix::Receiver();
  poll = pollux::Poll();
  CHECK(open_fds() == before - 1);
}

TEST_CASE("a destroyed Waker's pending wake is never reported, even while its fd lives on") {
  // A forked child holds a copy of every fd, the Waker's too, as a concurrent spawn does
  // until its exec; the Waker must leave the poller itself rather than count on its fd
  // being closed for the last time.
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  auto waker = std::make_unique<pollux::Waker>(poll.registry(), Token(9), ec);
  REQUIRE(!ec);
  REQUIRE(!waker->wake());
  int go[2];
  REQUIRE(::pipe2(go, O_CLOEXEC) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(go[1]);
    char c;
    (void)!::read(go[0], &c, 1);  // hold the fds until the parent is done
    ::_exit(0);
  }
  ::close(go[0]);
  waker.reset();
  test::expect_no_events(poll, events, 100ms);
  ::close(go[1]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
}
