// SPDX-License-Identifier: MIT
// Uses pollux's public API from outside its tree: the exports must be there in a shared
// build, and the headers must stand on their own.
#include <pollux/pollux.hpp>

#include <cstdio>

int main() {
  std::error_code ec;
  auto poll = pollux::Poll::create(ec);
  if (ec) return std::printf("Poll::create: %s\n", ec.message().c_str()), 1;
  pollux::Waker waker(poll.registry(), pollux::Token(99), ec);
  if (ec) return std::printf("Waker: %s\n", ec.message().c_str()), 1;
  if ((ec = waker.wake())) return 1;
  pollux::Events events(4);
  if ((ec = poll.poll(events, std::chrono::seconds(5)))) return 1;
  if (events.size() != 1 || events[0].token() != pollux::Token(99)) return 1;
  std::puts("consumer ok");
  return 0;
}
