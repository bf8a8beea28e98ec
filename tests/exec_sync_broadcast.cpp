// SPDX-License-Identifier: MIT
// broadcast: every receiver gets every value, subscribe() from now on, a lagging
// receiver told how many it missed and continuing from the oldest kept, the senders
// going away, no receiver, and cancel safety of recv(), on both runtime flavours.

#include "exec_sync_util.hpp"

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sync/broadcast.hpp>

#include <string>
#include <vector>

using namespace pollux::exec;

TEST_CASE("try_recv: each receiver its own position; subscribe sees what comes after") {
  auto [tx, rx] = broadcast::channel<std::string>(4);
  CHECK(rx.try_recv().error == std::errc::resource_unavailable_try_again);
  CHECK_FALSE(tx.send("a").error);
  auto late = tx.subscribe();
  CHECK_FALSE(tx.send("b").error);
  CHECK(*rx.try_recv().value == "a");
  CHECK(*rx.try_recv().value == "b");
  CHECK(*late.try_recv().value == "b");
  CHECK(late.try_recv().error == std::errc::resource_unavailable_try_again);
  CHECK(tx.receiver_count() == 2);
  broadcast::Receiver<std::string> none;
  CHECK(none.try_recv().error == std::errc::invalid_argument);
}

TEST_CASE("a lagging receiver learns how many it missed, then reads from the oldest kept") {
  auto [tx, rx] = broadcast::channel<int>(3);
  for (int i = 0; i < 8; ++i) CHECK_FALSE(tx.send(i).error);  // keeps 5, 6, 7
  auto lag = rx.try_recv();
  CHECK(lag.error == std::errc::no_buffer_space);
  CHECK(lag.missed == 5);
  CHECK_FALSE(lag.value.has_value());
  CHECK(*rx.try_recv().value == 5);
  CHECK(*rx.try_recv().value == 6);
  CHECK(*rx.try_recv().value == 7);
  CHECK(rx.try_recv().error == std::errc::resource_unavailable_try_again);
}

TEST_CASE("no receiver: send hands the value back; senders gone: broken_pipe after the rest") {
  {
    auto [tx, rx] = broadcast::channel<std::string>(2);
    rx = {};
    auto r = tx.send("back");
    CHECK(r.error == std::errc::broken_pipe);
    REQUIRE(r.value.has_value());
    CHECK(*r.value == "back");
  }
  {
    auto [tx, rx] = broadcast::channel<int>(2);
    auto tx2 = tx;
    CHECK_FALSE(tx.send(1).error);
    tx = {};
    CHECK_FALSE(tx2.send(2).error);
    tx2 = {};
    CHECK(*rx.try_recv().value == 1);
    CHECK(*rx.try_recv().value == 2);
    CHECK(rx.try_recv().error == std::errc::broken_pipe);
  }
}

TEST_CASE("every receiving task gets every value, in order") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    constexpr int kCount = 300;
    const bool ok = rt.block_on([]() -> Task<bool> {
      // Big enough that no receiver lags: each value is seen by all.
      auto [tx, rx] = broadcast::channel<int>(kCount);
      std::vector<JoinHandle<int>> hs;
      auto receive = [](broadcast::Receiver<int> rx) -> Task<int> {
        int expect = 0;
        for (;;) {
          auto [ec, v, missed] = co_await rx.recv();
          if (!v) co_return ec == std::errc::broken_pipe && missed == 0 ? expect : -1;
          if (*v != expect++) co_return -2;
        }
      };
      for (int i = 0; i < 3; ++i) hs.push_back(spawn(receive(tx.subscribe())));
      rx = {};
      for (int i = 0; i < kCount; ++i) {
        if (tx.send(i).error) co_return false;
        if (i % 50 == 0) co_await sleep(std::chrono::milliseconds(1));
      }
      tx = {};
      bool all = true;
      for (auto& h : hs) all = (co_await h).value_or_throw() == kCount && all;
      co_return all;
    }());
    CHECK(ok);
  }
}

TEST_CASE("a receiving task aborted while it waits (or once woken) loses nothing") {
  for (Flavor f : test::kFlavors) {
    for (bool send_first : {false, true}) {
      // Woken but not resumed needs current_thread (the sender keeps the thread).
      if (send_first && f == Flavor::multi_thread) continue;
      CAPTURE(test::flavor_name(f));
      CAPTURE(send_first);
      auto rt = test::make_runtime(f);
      auto [tx, rx] = broadcast::channel<int>(4);
      auto r = rt.block_on(test::recv_after_aborted_waiter(
          rx, [&tx = tx] { (void)tx.send(11); }, send_first));
      REQUIRE(r.has_value());
      CHECK(r->value == std::optional<int>(11));
    }
  }
}
