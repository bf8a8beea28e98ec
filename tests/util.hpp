// SPDX-License-Identifier: MIT
#pragma once
// Helpers shared by the behavioural suites, in the manner of mio's tests/util.

#include <doctest/doctest.h>

#include <pollux/pollux.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace test {

using namespace std::chrono_literals;

inline pollux::Poll init_with_poll() {
  std::error_code ec;
  auto poll = pollux::Poll::create(ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  REQUIRE(poll.is_open());
  return poll;
}

/// An event we wait for: the token and the flags (Event::Flag bits) it must carry.
struct ExpectEvent {
  pollux::Token token;
  std::uint32_t flags;
};

inline std::string describe(const pollux::Event& e) {
  std::string s = "token " + std::to_string(e.token().value()) + " [";
  if (e.is_readable()) s += " readable";
  if (e.is_writable()) s += " writable";
  if (e.is_error()) s += " error";
  if (e.is_read_closed()) s += " read_closed";
  if (e.is_write_closed()) s += " write_closed";
  if (e.is_priority()) s += " priority";
  return s + " ]";
}

/// Polls until every expected event has been seen (an event matches when its token is
/// equal and it carries all the expected flags); other events are ignored, as spurious
/// events are allowed. Fails after `within`.
inline void expect_events(pollux::Poll& poll,
                          pollux::Events& events,
                          std::vector<ExpectEvent> expected,
                          std::chrono::milliseconds within = 2000ms) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (!expected.empty()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    auto ec = poll.poll(events, deadline - now);
    REQUIRE_MESSAGE(!ec, ec.message());
    for (const auto& event : events) {
      for (auto it = expected.begin(); it != expected.end(); ++it) {
        if (it->token == event.token() && (event.flags() & it->flags) == it->flags) {
          expected.erase(it);
          break;
        }
      }
    }
  }
  for (const auto& missing : expected) {
    FAIL("expected an event for token " << missing.token.value() << " with flags "
                                        << missing.flags << " that never came");
  }
}

/// Asserts that a short poll reports nothing.
inline void expect_no_events(pollux::Poll& poll,
                             pollux::Events& events,
                             std::chrono::milliseconds wait = 50ms) {
  auto ec = poll.poll(events, wait);
  REQUIRE_MESSAGE(!ec, ec.message());
  for (const auto& event : events) FAIL("unexpected event: " << describe(event));
}

// A guard against hangs, not a speed limit: it gives up only after `quiet` passes with no
// progress at all, so a loaded machine that is slow but moving never trips it. Call
// alive(n) with a count that grows as work is done.
class StallGuard {
 public:
  explicit StallGuard(std::chrono::steady_clock::duration quiet) : quiet_(quiet) {}
  bool alive(std::size_t progress) {
    const auto now = std::chrono::steady_clock::now();
    if (progress != last_progress_) {
      last_progress_ = progress;
      last_change_ = now;
    }
    return now - last_change_ < quiet_;
  }

 private:
  std::chrono::steady_clock::duration quiet_;
  std::size_t last_progress_ = 0;
  std::chrono::steady_clock::time_point last_change_ = std::chrono::steady_clock::now();
};

inline constexpr std::uint32_t kReadable = pollux::Event::kReadable;
inline constexpr std::uint32_t kWritable = pollux::Event::kWritable;
inline constexpr std::uint32_t kReadClosed = pollux::Event::kReadClosed;
inline constexpr std::uint32_t kWriteClosed = pollux::Event::kWriteClosed;

}  // namespace test
