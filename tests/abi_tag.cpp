// SPDX-License-Identifier: MIT
// A program that links with either header set on code without the ABI tag: Poll::create
// and Poll::poll exist in every library, so only the tag can tell a mismatch (see
// tests/abi_tag.sh). With the wrong header set its Events would hold the other set's
// Event layout, and the library would write past them.

#include <pollux/event.hpp>
#include <pollux/poll.hpp>

#include <chrono>
#include <cstdio>

int main() {
  std::error_code ec;
  auto poll = pollux::Poll::create(ec);
  if (ec) return 1;
  pollux::Events events(8);
  ec = poll.poll(events, std::chrono::milliseconds(0));
  if (ec) return 2;
  std::printf("%zu events\n", events.size());
  return 0;
}
