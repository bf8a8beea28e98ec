// SPDX-License-Identifier: MIT
// What <pollux/pollux.hpp> brings into a user's code: no OS header, on any backend. The
// epoll backend's inline fast path declares the few C library functions it calls
// (sys/libc.hpp) instead of including <sys/epoll.h>, <sys/socket.h> and <unistd.h>.
// This file must be the first to include anything: it compiles only while that holds.

#include <pollux/pollux.hpp>

// Macros the OS headers would define.
// (<unistd.h> is not among them: libstdc++'s own <atomic> brings it in C++20.)
#if defined(EPOLLIN) || defined(EPOLL_CTL_ADD) || defined(SOCK_STREAM) || defined(AF_INET) || \
    defined(MSG_NOSIGNAL) || defined(POLLIN) || defined(WSAEWOULDBLOCK)
#error "pollux's public headers leaked an OS header into user code"
#endif

// Functions the OS headers would declare: a program may define its own with the same
// signature, which would not compile beside the C library's extern "C" declaration.
[[maybe_unused]] static int socket(int, int, int) { return -1; }
[[maybe_unused]] static int listen(int, int) { return -1; }
[[maybe_unused]] static int epoll_create1(int) { return -1; }

#include <doctest/doctest.h>

#include <chrono>

TEST_CASE("the inline fast path works with the headers' own declarations") {
  std::error_code ec;
  pollux::Poll poll = pollux::Poll::create(ec);
  REQUIRE_FALSE(ec);
  pollux::Waker waker(poll.registry(), pollux::Token(7), ec);
  REQUIRE_FALSE(ec);
  REQUIRE_FALSE(waker.wake());
  pollux::Events events(8);
  // A blocking poll: the inline path (epoll_wait through the declared prototype).
  REQUIRE_FALSE(poll.poll(events, std::nullopt));
  REQUIRE(events.size() == 1);
  CHECK(events.begin()->token() == pollux::Token(7));
}
