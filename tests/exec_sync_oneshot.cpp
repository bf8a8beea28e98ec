// SPDX-License-Identifier: MIT
// oneshot: send/recv across tasks, errors as values (sender dropped, receiver gone,
// sent twice), try_recv, closed(), and cancel safety of recv (a dropped receiving task
// loses nothing), on both runtime flavours.

#include "exec_sync_util.hpp"

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sync/oneshot.hpp>
#include <pollux/exec/yield_now.hpp>

#include <memory>
#include <string>
#include <vector>

using namespace pollux::exec;

TEST_CASE("a value sent by one task is received by another") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    auto got = rt.block_on([]() -> Task<oneshot::RecvResult<std::unique_ptr<int>>> {
      auto [tx, rx] = oneshot::channel<std::unique_ptr<int>>();
      auto h = spawn([](oneshot::Sender<std::unique_ptr<int>> tx) -> Task<bool> {
        co_await sleep(std::chrono::milliseconds(5));  // the receiver waits first
        auto r = tx.send(std::make_unique<int>(42));
        co_return !r.error && !r.value;
      }(std::move(tx)));
      auto result = co_await rx;
      if (!(co_await h).value_or_throw()) result.error = std::make_error_code(std::errc::io_error);
      co_return result;
    }());
    CHECK_FALSE(got.error);
    REQUIRE(got.value.has_value());
    CHECK(**got.value == 42);
  }
}

TEST_CASE("a sender dropped without sending gives broken_pipe") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    auto got = rt.block_on([]() -> Task<oneshot::RecvResult<int>> {
      auto [tx, rx] = oneshot::channel<int>();
      spawn([](oneshot::Sender<int> tx) -> Task<void> {
        co_await sleep(std::chrono::milliseconds(5));
        tx = {};
      }(std::move(tx))).detach();
      co_return co_await rx.recv();
    }());
    CHECK(got.error == std::errc::broken_pipe);
    CHECK_FALSE(got.value.has_value());
  }
}

TEST_CASE("aborting the task that holds the sender wakes the receiver with broken_pipe") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    auto got = rt.block_on([]() -> Task<oneshot::RecvResult<int>> {
      auto [tx, rx] = oneshot::channel<int>();
      auto holder = spawn([](oneshot::Sender<int> tx) -> Task<void> {
        co_await sleep(std::chrono::hours(1));
        (void)tx.send(1);
      }(std::move(tx)));
      auto aborter = spawn([](JoinHandle<void>& h) -> Task<void> {
        co_await sleep(std::chrono::milliseconds(5));
        h.abort();
      }(holder));
      auto r = co_await rx;
      (co_await aborter).value_or_throw();
      co_return r;
    }());
    CHECK(got.error == std::errc::broken_pipe);
  }
}

TEST_CASE("try_recv: would block, then the value, then broken_pipe") {
  auto [tx, rx] = oneshot::channel<std::string>();
  auto first = rx.try_recv();
  CHECK(first.error == std::errc::resource_unavailable_try_again);
  auto sent = tx.send("hello");
  CHECK_FALSE(sent.error);
  auto again = tx.send("twice");
  CHECK(again.error == std::errc::operation_not_permitted);
  REQUIRE(again.value.has_value());
  CHECK(*again.value == "twice");
  auto second = rx.try_recv();
  CHECK_FALSE(second.error);
  REQUIRE(second.value.has_value());
  CHECK(*second.value == "hello");
  CHECK(rx.try_recv().error == std::errc::broken_pipe);
}

TEST_CASE("a dropped or closed receiver makes send fail and hands the value back") {
  {
    auto [tx, rx] = oneshot::channel<std::string>();
    CHECK_FALSE(tx.is_closed());
    rx = {};
    CHECK(tx.is_closed());
    auto r = tx.send("back");
    CHECK(r.error == std::errc::broken_pipe);
    REQUIRE(r.value.has_value());
    CHECK(*r.value == "back");
  }
  {
    auto [tx, rx] = oneshot::channel<int>();
    rx.close();
    CHECK(tx.send(1).error == std::errc::broken_pipe);
    CHECK(rx.try_recv().error == std::errc::broken_pipe);
  }
  {
    // Sent before close: still receivable.
    auto [tx, rx] = oneshot::channel<int>();
    CHECK_FALSE(tx.send(7).error);
    rx.close();
    auto r = rx.try_recv();
    REQUIRE(r.value.has_value());
    CHECK(*r.value == 7);
  }
  {
    oneshot::Sender<int> empty;
    CHECK(empty.send(1).error == std::errc::invalid_argument);
    oneshot::Receiver<int> none;
    CHECK(none.try_recv().error == std::errc::invalid_argument);
  }
}

TEST_CASE("tx.closed() completes when the receiver goes") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    const std::error_code ec = rt.block_on([]() -> Task<std::error_code> {
      auto [tx, rx] = oneshot::channel<int>();
      spawn([](oneshot::Receiver<int> rx) -> Task<void> {
        co_await sleep(std::chrono::milliseconds(5));
        rx = {};
      }(std::move(rx))).detach();
      co_return co_await tx.closed();
    }());
    CHECK_FALSE(ec);
  }
}

TEST_CASE("a receiving task aborted while it waits loses nothing: the value stays") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    auto [tx, rx] = oneshot::channel<std::unique_ptr<int>>();
    const int result = rt.block_on(
        [](oneshot::Sender<std::unique_ptr<int>>& tx, oneshot::Receiver<std::unique_ptr<int>>& rx)
            -> Task<int> {
          std::atomic<bool> started{false};
          auto waiter = spawn([](oneshot::Receiver<std::unique_ptr<int>>& rx,
                                 std::atomic<bool>& started) -> Task<void> {
            started = true;
            auto r = co_await rx;
            (void)r;
          }(rx, started));
          if (!co_await test::until([&] { return started.load(); })) co_return -1;
          co_await sleep(std::chrono::milliseconds(5));
          waiter.abort();
          if (!co_await test::was_cancelled(waiter)) co_return -2;
          if (tx.send(std::make_unique<int>(5)).error) co_return -3;
          auto r = co_await rx.recv();
          co_return r.value ? **r.value : -4;
        }(tx, rx));
    CHECK(result == 5);
  }
}

TEST_CASE("a value sent to a task being aborted stays in the channel") {
  // current_thread: the sender's task keeps the thread, so the woken receiver is
  // dropped before it resumes.
  auto rt = test::make_runtime(Flavor::current_thread);
  auto [tx, rx] = oneshot::channel<std::string>();
  const std::string result = rt.block_on(
      [](oneshot::Sender<std::string>& tx, oneshot::Receiver<std::string>& rx) -> Task<std::string> {
        auto waiter = spawn([](oneshot::Receiver<std::string>& rx) -> Task<void> {
          auto r = co_await rx;
          (void)r;
        }(rx));
        co_await sleep(std::chrono::milliseconds(5));
        (void)tx.send("kept");
        waiter.abort();
        if (!co_await test::was_cancelled(waiter)) co_return "not cancelled";
        auto r = rx.try_recv();
        co_return r.value ? *r.value : r.error.message();
      }(tx, rx));
  CHECK(result == "kept");
}

TEST_CASE("a second concurrent recv fails at once with device_or_resource_busy") {
  auto rt = test::make_runtime(Flavor::current_thread);
  auto [tx, rx] = oneshot::channel<int>();
  const bool ok = rt.block_on(
      [](oneshot::Sender<int>& tx, oneshot::Receiver<int>& rx) -> Task<bool> {
        auto first = spawn([](oneshot::Receiver<int>& rx) -> Task<int> {
          auto r = co_await rx;
          co_return r.value.value_or(-1);
        }(rx));
        // current_thread: yielding lets `first` run up to its wait. (A 5 ms sleep did
        // not: on a loaded machine its deadline passed before it was awaited, this task
        // went on, waited in `first`'s place and was never sent to: a hang.)
        co_await yield_now();
        auto second = co_await rx.recv();
        if (second.error != std::errc::device_or_resource_busy) co_return false;
        (void)tx.send(3);
        co_return (co_await first).value_or_throw() == 3;
      }(tx, rx));
  CHECK(ok);
}

TEST_CASE("stress: two producers and two consumers race sends and recvs on multi_thread") {
  // Each consumer waits on channel after channel while its producer sends into them
  // (every seventh sender is dropped unsent instead): sends and waits race.
  const int rounds = test::kSanitized ? 2000 : 20000;
  auto rt = test::make_runtime(Flavor::multi_thread, 4);
  struct Totals {
    long sum = 0;
    int broken = 0;
  };
  const std::vector<Totals> totals = rt.block_on([](int rounds) -> Task<std::vector<Totals>> {
    std::vector<JoinHandle<Totals>> consumers;
    std::vector<JoinHandle<void>> producers;
    for (int p = 0; p < 2; ++p) {
      std::vector<oneshot::Sender<int>> txs;
      std::vector<oneshot::Receiver<int>> rxs;
      for (int i = 0; i < rounds; ++i) {
        auto [tx, rx] = oneshot::channel<int>();
        txs.push_back(std::move(tx));
        rxs.push_back(std::move(rx));
      }
      consumers.push_back(spawn([](std::vector<oneshot::Receiver<int>> rxs) -> Task<Totals> {
        Totals t;
        for (auto& rx : rxs) {
          auto r = co_await rx;
          if (r.value) t.sum += *r.value;
          if (r.error == std::errc::broken_pipe) ++t.broken;
        }
        co_return t;
      }(std::move(rxs))));
      producers.push_back(spawn([](std::vector<oneshot::Sender<int>> txs) -> Task<void> {
        for (std::size_t i = 0; i < txs.size(); ++i) {
          if (i % 7 == 0) {
            txs[i] = {};
          } else if (txs[i].send(static_cast<int>(i)).error) {
            co_return;
          }
          if (i % 64 == 0) co_await yield_now();
        }
      }(std::move(txs))));
    }
    std::vector<Totals> out;
    for (auto& h : producers) (co_await h).value_or_throw();
    for (auto& c : consumers) out.push_back((co_await c).value_or_throw());
    co_return out;
  }(rounds));
  long expected_sum = 0;
  int expected_broken = 0;
  for (int i = 0; i < rounds; ++i) {
    if (i % 7 == 0) {
      ++expected_broken;
    } else {
      expected_sum += i;
    }
  }
  REQUIRE(totals.size() == 2);
  for (const Totals& t : totals) {
    CHECK(t.sum == expected_sum);
    CHECK(t.broken == expected_broken);
  }
}
