// SPDX-License-Identifier: MIT
// unix::pipe(): readiness, EOF, write_closed, and no SIGPIPE on a broken pipe.

#include "util.hpp"

#include <pollux/unix/pipe.hpp>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <span>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Token;

namespace {

std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

bool sigpipe_pending() {
  sigset_t pending;
  sigemptyset(&pending);
  REQUIRE(sigpending(&pending) == 0);
  return sigismember(&pending, SIGPIPE) == 1;
}

}  // namespace

TEST_CASE("data written to the sender makes the receiver readable") {
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  auto [sender, receiver] = pollux::unix::pipe(ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  REQUIRE(!poll.registry().add(sender, Token(1), Interest::writable));
  REQUIRE(!poll.registry().add(receiver, Token(2), Interest::readable));
  test::expect_events(poll, events, {{Token(1), test::kWritable}});

  CHECK(sender.write(bytes("through the pipe"), ec) == 16);
  REQUIRE(!ec);
  test::expect_events(poll, events, {{Token(2), test::kReadable}});
  std::byte buf[64];
  auto n = receiver.read(buf, ec);
  REQUIRE(!ec);
  CHECK(std::string(reinterpret_cast<char*>(buf), n) == "through the pipe");
  receiver.read(buf, ec);
  CHECK(ec == std::errc::operation_would_block);
}

TEST_CASE("the sender dropped: exactly one event, with read_closed, for the receiver") {
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  auto [sender, receiver] = pollux::unix::pipe(ec);
  REQUIRE(!ec);
  REQUIRE(!poll.registry().add(receiver, Token(2), Interest::readable));
  sender = pollux::unix::Sender();

  int seen = 0;
  const auto deadline = std::chrono::steady_clock::now() + 300ms;
  while (std::chrono::steady_clock::now() < deadline) {
    REQUIRE(!poll.poll(events, 50ms));
    for (const auto& e : events) {
      CHECK(e.token() == Token(2));
      CHECK(e.is_read_closed());
      ++seen;
    }
  }
  CHECK(seen == 1);
  std::byte buf[8];
  CHECK(receiver.read(buf, ec) == 0);
  CHECK(!ec);
}

TEST_CASE("the receiver dropped: write_closed for the sender, writes fail with EPIPE, no SIGPIPE") {
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  auto [sender, receiver] = pollux::unix::pipe(ec);
  REQUIRE(!ec);
  REQUIRE(!poll.registry().add(sender, Token(1), Interest::writable));
  test::expect_events(poll, events, {{Token(1), test::kWritable}});
  receiver = pollux::unix::Receiver();
  test::expect_events(poll, events, {{Token(1), test::kWriteClosed}});

  REQUIRE(!sigpipe_pending());
  // Were SIGPIPE delivered, its default action would end this test process here.
  CHECK(sender.write(bytes("lost"), ec) == 0);
  CHECK(ec == std::errc::broken_pipe);
  const std::array<std::span<const std::byte>, 1> bufs{bytes("lost too")};
  CHECK(sender.write_vectored(bufs, ec) == 0);
  CHECK(ec == std::errc::broken_pipe);
  CHECK(!sigpipe_pending());
}

TEST_CASE("a SIGPIPE pending before the write is left for its owner") {
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  REQUIRE(pthread_sigmask(SIG_BLOCK, &pipe_only, &old) == 0);
  REQUIRE(::raise(SIGPIPE) == 0);
  REQUIRE(sigpipe_pending());

  std::error_code ec;
  auto [sender, receiver] = pollux::unix::pipe(ec);
  REQUIRE(!ec);
  receiver = pollux::unix::Receiver();
  CHECK(sender.write(bytes("x"), ec) == 0);
  CHECK(ec == std::errc::broken_pipe);
  CHECK(sigpipe_pending());

  const timespec zero{};
  CHECK(sigtimedwait(&pipe_only, nullptr, &zero) == SIGPIPE);
  CHECK(!sigpipe_pending());
  REQUIRE(pthread_sigmask(SIG_SETMASK, &old, nullptr) == 0);
}

TEST_CASE("vectored writes and reads") {
  std::error_code ec;
  auto [sender, receiver] = pollux::unix::pipe(ec);
  REQUIRE(!ec);
  const std::array<std::span<const std::byte>, 3> out{bytes("a"), bytes("bc"), bytes("def")};
  CHECK(sender.write_vectored(out, ec) == 6);
  REQUIRE(!ec);
  std::array<std::byte, 4> x{};
  std::array<std::byte, 4> y{};
  const std::array<std::span<std::byte>, 2> in{x, y};
  CHECK(receiver.read_vectored(in, ec) == 6);
  REQUIRE(!ec);
  CHECK(std::string(reinterpret_cast<char*>(x.data()), 4) == "abcd");
  CHECK(std::string(reinterpret_cast<char*>(y.data()), 2) == "ef");
}

TEST_CASE("a full pipe: write would-block, then writable again once drained") {
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  auto [sender, receiver] = pollux::unix::pipe(ec);
  REQUIRE(!ec);
  REQUIRE(!poll.registry().add(sender, Token(1), Interest::writable));
  test::expect_events(poll, events, {{Token(1), test::kWritable}});
  std::byte chunk[4096] = {};
  std::size_t total = 0;
  while (true) {
    auto n = sender.write(chunk, ec);
    if (ec == std::errc::operation_would_block) break;
    REQUIRE(!ec);
    REQUIRE(n > 0);
    total += n;
  }
  CHECK(total > 0);
  test::expect_no_events(poll, events);
  std::byte buf[4096];
  std::size_t drained = 0;
  while (true) {
    auto n = receiver.read(buf, ec);
    if (ec == std::errc::operation_would_block) break;
    REQUIRE(!ec);
    drained += n;
  }
  CHECK(drained == total);
  test::expect_events(poll, events, {{Token(1), test::kWritable}});
}

TEST_CASE("pipe ends are close-on-exec, and adopting works both ways") {
  std::error_code ec;
  auto [sender, receiver] = pollux::unix::pipe(ec);
  REQUIRE(!ec);
  CHECK((::fcntl(sender.native_handle(), F_GETFD) & FD_CLOEXEC) != 0);
  CHECK((::fcntl(receiver.native_handle(), F_GETFD) & FD_CLOEXEC) != 0);
  CHECK((::fcntl(receiver.native_handle(), F_GETFL) & O_NONBLOCK) != 0);

  int raw[2];
  REQUIRE(::pipe(raw) == 0);
  auto r = pollux::unix::Receiver::from_native(raw[0], ec);
  REQUIRE(!ec);
  auto w = pollux::unix::Sender::from_native(raw[1], ec);
  REQUIRE(!ec);
  CHECK((::fcntl(raw[0], F_GETFL) & O_NONBLOCK) != 0);
  std::byte buf[4];
  r.read(buf, ec);
  CHECK(ec == std::errc::operation_would_block);
  auto fd = w.release();
  CHECK(!w.is_open());
  CHECK(::close(fd) == 0);

  pollux::unix::Sender::from_native(-1, ec);
  CHECK(ec == std::errc::bad_file_descriptor);
}
