// SPDX-License-Identifier: MIT
// Poll::native_handle on Unix (issue 13 item 8): on epoll a pollux Poll nests in a raw
// epoll set, as a loop that already has one (GLib, Qt, libuv) would do it: the outer
// set reports the inner epoll fd readable when the Poll has events, and Poll::poll then
// reports them. On poll(2) there is no such fd, and the answer says so.

#include "util.hpp"

#include <pollux/unix/source_fd.hpp>

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Token;

namespace {

const std::string kBackend = POLLUX_TEST_BACKEND;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// The outer loop's wait: true when the inner Poll's fd was reported readable. The
// timeout only guards against a hang.
bool outer_wait(int outer, int timeout_ms) {
  epoll_event ev{};
  int n;
  do {
    n = ::epoll_wait(outer, &ev, 1, timeout_ms);
  } while (n < 0 && errno == EINTR);
  return n == 1 && ev.data.u64 == 77;
}

}  // namespace

TEST_CASE("native_handle: an empty Poll has none") {
  pollux::Poll empty;
  std::error_code ec;
  CHECK(empty.native_handle(ec) == pollux::kInvalidHandle);
  CHECK(ec == std::errc::bad_file_descriptor);
}

TEST_CASE("native_handle: a pollux Poll nested in a raw epoll set") {
  auto poll = test::init_with_poll();
  std::error_code ec;
  const int inner = poll.native_handle(ec);
  if (kBackend == "poll") {
    // poll(2) keeps its set in the process: no fd to nest, and a clear answer.
    CHECK(ec == std::errc::operation_not_supported);
    CHECK(inner == pollux::kInvalidHandle);
    return;
  }
  REQUIRE(kBackend == "epoll");
  REQUIRE_FALSE(ec);
  REQUIRE(inner >= 0);
  CHECK(inner == poll.native_handle(ec));  // the Poll's own, not a new one each time

  Fd outer{::epoll_create1(EPOLL_CLOEXEC)};
  REQUIRE(outer.fd >= 0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 77;
  REQUIRE(::epoll_ctl(outer.fd, EPOLL_CTL_ADD, inner, &ev) == 0);

  int fds[2];
  REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
  Fd rd{fds[0]}, wr{fds[1]};
  pollux::unix::SourceFd source(rd.fd);
  REQUIRE_FALSE(poll.registry().add(source, Token(5), Interest::readable));
  Events events(16);

  // Nothing ready: the outer loop sees nothing.
  CHECK_FALSE(outer_wait(outer.fd, 0));

  // Data from another thread: the outer loop wakes, and the Poll has the event.
  std::thread writer([&] { (void)::write(wr.fd, "x", 1); });
  CHECK(outer_wait(outer.fd, 10000));
  writer.join();
  test::expect_events(poll, events, {{Token(5), pollux::Event::kReadable}});

  // A Waker reaches the outer loop the same way.
  pollux::Waker waker(poll.registry(), Token(9), ec);
  REQUIRE_FALSE(ec);
  REQUIRE_FALSE(waker.wake());
  CHECK(outer_wait(outer.fd, 10000));
  test::expect_events(poll, events, {{Token(9), 0}});

  REQUIRE_FALSE(poll.registry().remove(source));
}
