// SPDX-License-Identifier: MIT
// The hierarchical timer wheel on its own (lib/exec/timer_wheel.*), against a plain
// model: every timer fires in the advance() that first reaches its deadline, never
// before and never later, and removed timers never fire.

#include <doctest/doctest.h>

#include "../lib/exec/timer_wheel.hpp"

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

using pollux::exec::detail::TimerEntry;
using pollux::exec::detail::TimerWheel;

TEST_CASE("timer wheel: random deadlines across all levels fire exactly when due") {
  TimerWheel wheel;
  std::mt19937_64 rng(12345);
  const int n = 200000;
  std::vector<std::unique_ptr<TimerEntry>> entries;
  std::vector<bool> cancelled(n, false);
  std::vector<std::int64_t> fired_at(n, -1);
  for (int i = 0; i < n; ++i) {
    auto e = std::make_unique<TimerEntry>();
    // Mostly near (levels 0-2), some far (up to ~3 days: levels 3-4).
    const std::uint64_t span = (i % 10 == 0) ? 300'000'000 : 300'000;
    e->when = 1 + rng() % span;
    REQUIRE(wheel.insert(*e));
    entries.push_back(std::move(e));
  }
  CHECK(wheel.size() == static_cast<std::size_t>(n));
  for (int i = 0; i < n; i += 3) {
    wheel.remove(*entries[i]);
    cancelled[i] = true;
  }
  // Removing twice is harmless.
  wheel.remove(*entries[0]);

  std::uint64_t now = 0;
  std::uint64_t prev = 0;
  while (wheel.size() > 0) {
    // Jumps of various sizes, and a look at next_expiration every time.
    const auto next = wheel.next_expiration();
    REQUIRE(next.has_value());
    REQUIRE(*next > now);
    const std::uint64_t step = 1 + rng() % ((rng() % 4 == 0) ? 5'000'000 : 700);
    prev = now;
    now += step;
    wheel.advance(now, [&](TimerEntry& e) {
      REQUIRE(e.when <= now);
      REQUIRE(e.when > prev);
      e.waker.reset();
      e.level = 0xff;  // mark fired
    });
  }
  for (int i = 0; i < n; ++i) {
    if (cancelled[i]) {
      CHECK(entries[i]->level != 0xff);
    } else {
      CHECK(entries[i]->level == 0xff);
    }
  }
}

TEST_CASE("timer wheel: insert refuses a deadline that is not in the future") {
  TimerWheel wheel;
  TimerEntry a;
  a.when = 0;
  CHECK(!wheel.insert(a));
  wheel.advance(100, [](TimerEntry&) {});
  a.when = 100;
  CHECK(!wheel.insert(a));
  a.when = 101;
  CHECK(wheel.insert(a));
  CHECK(wheel.next_expiration() == 101);
  int fired = 0;
  wheel.advance(100, [&](TimerEntry&) { ++fired; });
  CHECK(fired == 0);
  wheel.advance(101, [&](TimerEntry&) { ++fired; });
  CHECK(fired == 1);
  CHECK(wheel.size() == 0);
}

TEST_CASE("timer wheel: a deadline beyond the top level's range still fires on time") {
  TimerWheel wheel;
  TimerEntry far;
  far.when = TimerWheel::kMaxDuration * 2 + 12345;
  REQUIRE(wheel.insert(far));
  std::uint64_t now = 0;
  int fired = 0;
  while (fired == 0) {
    const auto next = wheel.next_expiration();
    REQUIRE(next.has_value());
    REQUIRE(*next <= far.when);
    now = *next;
    wheel.advance(now, [&](TimerEntry& e) {
      CHECK(e.when == now);
      ++fired;
    });
  }
  CHECK(now == far.when);
}

// How fast this is, is bench/exec_timer.cpp's to measure ("bare wheel"); here only what a
// million inserts and removes leave behind.
TEST_CASE("timer wheel: a million timers inserted and removed leave it empty, none fires") {
  TimerWheel wheel;
  const int n = 1000000;
  std::vector<TimerEntry> entries(n);
  int refused = 0;
  for (int i = 0; i < n; ++i) {
    entries[i].when = 1 + static_cast<std::uint64_t>(i) * 7919 % 3'600'000;
    if (!wheel.insert(entries[i])) ++refused;
  }
  CHECK(refused == 0);
  CHECK(wheel.size() == static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) wheel.remove(entries[i]);
  CHECK(wheel.size() == 0);
  CHECK(!wheel.next_expiration().has_value());
  int linked = 0;
  for (const TimerEntry& e : entries) linked += e.linked ? 1 : 0;
  CHECK(linked == 0);
  // Past every deadline they had: nothing fires.
  int fired = 0;
  wheel.advance(3'600'001, [&](TimerEntry&) { ++fired; });
  CHECK(fired == 0);
  CHECK(wheel.elapsed() == 3'600'001);
}
