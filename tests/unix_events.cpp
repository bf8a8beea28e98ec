// Events that only a Unix test can provoke: TCP urgent data as priority (MSG_OOB).

#include "net_util.hpp"

#include <sys/socket.h>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Token;

TEST_CASE("urgent (out-of-band) TCP data is a priority event") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.server, Token(1), Interest::priority));
  test::expect_no_events(poll, events);
  const char urgent = '!';
  REQUIRE(::send(p.client.native_handle(), &urgent, 1, MSG_OOB | MSG_NOSIGNAL) == 1);
  test::expect_events(poll, events, {{Token(1), test::kPriority}});
  char got = 0;
  REQUIRE(::recv(p.server.native_handle(), &got, 1, MSG_OOB) == 1);
  CHECK(got == '!');
}

TEST_CASE("priority interest alone does not report ordinary data") {
  auto poll = test::init_with_poll();
  Events events(8);
  auto p = test::tcp_pair();
  REQUIRE(!poll.registry().add(p.server, Token(1), Interest::priority));
  test::write_all(p.client, test::bytes("ordinary"));
  auto flags = test::collect_flags(poll, events, Token(1), 200ms);
  CHECK((flags & test::kPriority) == 0);
  CHECK((flags & test::kReadable) == 0);
}
