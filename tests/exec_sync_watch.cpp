// SPDX-License-Identifier: MIT
// watch: the latest value, changed() (at once when newer, marks it seen, skips what was
// overwritten), borrow/borrow_and_update, subscribe and copies, the sender going away,
// and cancel safety of changed() (a dropped wait misses no change), on both flavours.

#include "exec_sync_util.hpp"

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sync/watch.hpp>

#include <string>
#include <vector>

using namespace pollux::exec;

TEST_CASE("borrow, send, has_changed and subscribe without a runtime") {
  auto [tx, rx] = watch::channel<std::string>("one");
  CHECK(*rx.borrow() == "one");
  CHECK_FALSE(rx.has_changed());
  CHECK_FALSE(tx.send("two"));
  CHECK(rx.has_changed());
  CHECK(*rx.borrow() == "two");
  CHECK(rx.has_changed());  // borrow() does not mark it seen
  CHECK(*rx.borrow_and_update() == "two");
  CHECK_FALSE(rx.has_changed());
  auto later = tx.subscribe();
  CHECK_FALSE(later.has_changed());
  CHECK(tx.receiver_count() == 2);
  auto copy = later;
  CHECK(tx.receiver_count() == 3);
  CHECK(tx.send_modify([](std::string& s) { s += "!"; }) == std::error_code{});
  CHECK(copy.has_changed());
  CHECK(*tx.borrow() == "two!");
  rx = {};
  later = {};
  copy = {};
  CHECK(tx.receiver_count() == 0);
  CHECK(tx.send("nobody") == std::errc::broken_pipe);
  CHECK(*tx.borrow() == "nobody");  // stored all the same
}

TEST_CASE("changed() wakes on a new value and skips values overwritten meanwhile") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    const std::vector<int> seen = rt.block_on([]() -> Task<std::vector<int>> {
      auto [tx, rx] = watch::channel<int>(0);
      auto watcher = spawn([](watch::Receiver<int> rx) -> Task<std::vector<int>> {
        std::vector<int> seen;
        while (!co_await rx.changed()) seen.push_back(*rx.borrow());
        co_return seen;
      }(rx));
      co_await sleep(std::chrono::milliseconds(5));
      (void)tx.send(1);
      co_await sleep(std::chrono::milliseconds(5));
      (void)tx.send(2);
      (void)tx.send(3);  // 2 may be skipped; 3 is the last and must be seen
      co_await sleep(std::chrono::milliseconds(5));
      tx = {};
      co_return (co_await watcher).value_or_throw();
    }());
    REQUIRE_FALSE(seen.empty());
    CHECK(seen.back() == 3);
    CHECK(seen.size() <= 3);
  }
}

TEST_CASE("changed() completes at once when the value is already newer") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    const bool ok = rt.block_on([]() -> Task<bool> {
      auto [tx, rx] = watch::channel<int>(0);
      (void)tx.send(5);
      if (co_await rx.changed()) co_return false;
      if (rx.has_changed()) co_return false;  // marked seen
      tx = {};
      // The sender is gone and nothing newer is left: broken_pipe.
      co_return co_await rx.changed() == std::errc::broken_pipe && *rx.borrow() == 5;
    }());
    CHECK(ok);
  }
}

TEST_CASE("a changed() dropped while it waits misses no change") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    const int result = rt.block_on([]() -> Task<int> {
      auto [tx, rx] = watch::channel<int>(0);
      auto waiter = spawn([](watch::Receiver<int>& rx) -> Task<void> {
        (void)co_await rx.changed();
      }(rx));
      co_await sleep(std::chrono::milliseconds(5));
      (void)tx.send(9);
      waiter.abort();
      (void)co_await test::was_cancelled(waiter);  // cancelled or finished: both fine
      // If the waiter did not resume, the change is still unseen for the next wait.
      if (rx.has_changed() && co_await rx.changed()) co_return -1;
      co_return *rx.borrow();
    }());
    CHECK(result == 9);
  }
}

TEST_CASE("a task aborted while it waits in changed() leaves the queue") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    const bool ok = rt.block_on([]() -> Task<bool> {
      auto [tx, rx] = watch::channel<int>(0);
      auto waiter = spawn([](watch::Receiver<int> rx) -> Task<void> {
        (void)co_await rx.changed();
      }(rx));
      co_await sleep(std::chrono::milliseconds(5));
      waiter.abort();
      if (!co_await test::was_cancelled(waiter)) co_return false;
      co_return !tx.send(1) && tx.receiver_count() == 1;
    }());
    CHECK(ok);
  }
}
