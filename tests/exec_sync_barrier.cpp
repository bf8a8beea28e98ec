// SPDX-License-Identifier: MIT
// Barrier: groups of n released together with one leader each, reuse for the next group,
// Barrier(0), and cancel safety (a waiter dropped before its group is complete no longer
// counts; one dropped after release changes nothing), on both runtime flavours.

#include "exec_sync_util.hpp"

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sync/barrier.hpp>
#include <pollux/exec/yield_now.hpp>

#include <atomic>
#include <vector>

using namespace pollux::exec;

namespace {

Task<bool> arrive(Barrier& b, std::atomic<int>& passed) {
  auto r = co_await b.wait();
  passed.fetch_add(1);
  co_return r.is_leader;
}

}  // namespace

TEST_CASE("each group of n is released together, with exactly one leader") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    Barrier b(3);
    std::atomic<int> passed{0};
    const int leaders = rt.block_on([](Barrier& b, std::atomic<int>& passed) -> Task<int> {
      std::vector<JoinHandle<bool>> hs;
      for (int i = 0; i < 2; ++i) hs.push_back(spawn(arrive(b, passed)));
      if (!co_await test::until([&] { return b.arrived() == 2; })) co_return -1;
      if (passed.load() != 0) co_return -2;  // nobody passes before the third
      for (int i = 0; i < 4; ++i) hs.push_back(spawn(arrive(b, passed)));  // the rest of group one, and group two
      int leaders = 0;
      for (auto& h : hs) leaders += (co_await h).value_or_throw() ? 1 : 0;
      co_return leaders;
    }(b, passed));
    CHECK(leaders == 2);
    CHECK(passed.load() == 6);
    CHECK(b.arrived() == 0);
  }
}

TEST_CASE("Barrier(0) and Barrier(1) release every wait at once, as its leader") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    Barrier zero(0);
    Barrier one(1);
    CHECK(zero.parties() == 1);
    const bool ok = rt.block_on([](Barrier& zero, Barrier& one) -> Task<bool> {
      const bool a = (co_await zero.wait()).is_leader;
      const bool b = (co_await one.wait()).is_leader;
      co_return a && b;
    }(zero, one));
    CHECK(ok);
  }
}

TEST_CASE("a task aborted while it waits no longer counts as arrived") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    Barrier b(2);
    std::atomic<int> passed{0};
    const int result = rt.block_on([](Barrier& b, std::atomic<int>& passed) -> Task<int> {
      auto dropped = spawn(arrive(b, passed));
      if (!co_await test::until([&] { return b.arrived() == 1; })) co_return -1;
      dropped.abort();
      if (!co_await test::was_cancelled(dropped)) co_return -2;
      if (b.arrived() != 0) co_return -3;
      // Two new arrivals make the group: were the dropped one still counted, `first`
      // would pass alone.
      auto first = spawn(arrive(b, passed));
      if (!co_await test::until([&] { return b.arrived() == 1; })) co_return -4;
      if (passed.load() != 0) co_return -5;
      const bool lead = (co_await b.wait()).is_leader;
      (void)co_await first;
      co_return lead ? passed.load() : -6;
    }(b, passed));
    CHECK(result == 1);  // `first` passed; the leader is this task
  }
}

TEST_CASE("a task released and aborted before it resumed leaves the barrier as it was") {
  // current_thread: the leader keeps the thread, so the released waiter is dropped
  // before it runs.
  auto rt = test::make_runtime(Flavor::current_thread);
  Barrier b(2);
  std::atomic<int> passed{0};
  const bool ok = rt.block_on([](Barrier& b, std::atomic<int>& passed) -> Task<bool> {
    auto released = spawn(arrive(b, passed));
    co_await yield_now();
    if (b.arrived() != 1) co_return false;
    if (!(co_await b.wait()).is_leader) co_return false;
    released.abort();
    if (!co_await test::was_cancelled(released)) co_return false;
    if (b.arrived() != 0) co_return false;
    // The next group still needs two.
    auto next = spawn(arrive(b, passed));
    co_await yield_now();
    if (b.arrived() != 1) co_return false;
    (void)co_await b.wait();
    (void)co_await next;
    co_return passed.load() == 1;
  }(b, passed));
  CHECK(ok);
}
