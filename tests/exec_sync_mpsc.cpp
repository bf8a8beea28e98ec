// SPDX-License-Identifier: MIT
// mpsc: order and backpressure on a bounded channel, the unbounded one, reserve/permit,
// try_send/try_recv, close and the ends going away, cancel safety of recv (a dropped
// receiving task loses nothing) and send (a dropped sender never enqueued its value),
// no allocation per message, and the blocking halves (from plain threads; refused on a
// runtime's thread), on both runtime flavours.

#include "alloc_counter.hpp"  // this program's allocations: test::g_allocations
#include "exec_sync_util.hpp"

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sync/mpsc.hpp>
#include <pollux/exec/yield_now.hpp>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <vector>

using namespace pollux::exec;


TEST_CASE("bounded: messages arrive in order; send waits while the queue is full") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    std::atomic<int> sent{0};
    const int result = rt.block_on([](std::atomic<int>& sent) -> Task<int> {
      auto [tx, rx] = mpsc::channel<int>(2);
      auto producer = spawn([](mpsc::Sender<int> tx, std::atomic<int>& sent) -> Task<bool> {
        for (int i = 0; i < 5; ++i) {
          if ((co_await tx.send(i)).error) co_return false;
          sent.fetch_add(1);
        }
        co_return true;
      }(std::move(tx), sent));
      // Two fit; the third send waits for a slot.
      if (!co_await test::until([&] { return sent.load() == 2; })) co_return -1;
      co_await sleep(std::chrono::milliseconds(5));
      if (sent.load() != 2) co_return -2;
      int expect = 0;
      for (;;) {
        auto [ec, v] = co_await rx.recv();
        if (!v) {
          if (ec != std::errc::broken_pipe) co_return -3;
          break;
        }
        if (*v != expect++) co_return -4;
      }
      if (!(co_await producer).value_or_throw()) co_return -5;
      co_return expect;
    }(sent));
    CHECK(result == 5);
  }
}

TEST_CASE("recv gives broken_pipe only once every sender is gone and the queue drained") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    const int result = rt.block_on([]() -> Task<int> {
      auto [tx, rx] = mpsc::channel<std::string>(8);
      auto tx2 = tx;  // a second producer
      spawn([](mpsc::Sender<std::string> a, mpsc::Sender<std::string> b) -> Task<void> {
        co_await sleep(std::chrono::milliseconds(2));
        (void)co_await a.send("a");
        a = {};
        co_await sleep(std::chrono::milliseconds(2));
        (void)co_await b.send("b");
      }(std::move(tx), std::move(tx2))).detach();
      int got = 0;
      for (;;) {
        auto r = co_await rx.recv();
        if (!r) co_return r.error == std::errc::broken_pipe ? got : -1;
        ++got;
      }
    }());
    CHECK(result == 2);
  }
}

TEST_CASE("try_send, try_recv, reserve and permits") {
  auto [tx, rx] = mpsc::channel<int>(2);
  CHECK(tx.max_capacity() == 2);
  CHECK(rx.try_recv().error == std::errc::resource_unavailable_try_again);
  CHECK_FALSE(tx.try_send(1).error);
  {
    auto reserved = tx.try_reserve();
    REQUIRE(reserved);
    CHECK(tx.capacity() == 0);
    auto full = tx.try_send(2);
    CHECK(full.error == std::errc::resource_unavailable_try_again);
    REQUIRE(full.value.has_value());
    CHECK(*full.value == 2);
  }  // the unused permit gives its slot back
  CHECK(tx.capacity() == 1);
  auto reserved = tx.try_reserve();
  REQUIRE(reserved);
  CHECK_FALSE(reserved.permit.send(3).error);
  CHECK(reserved.permit.send(4).error == std::errc::invalid_argument);  // used up
  CHECK(*rx.try_recv().value == 1);
  CHECK(*rx.try_recv().value == 3);
  CHECK(tx.capacity() == 2);
  mpsc::Sender<int> empty;
  CHECK(empty.try_send(1).error == std::errc::invalid_argument);
  mpsc::Receiver<int> none;
  CHECK(none.try_recv().error == std::errc::invalid_argument);
}

TEST_CASE("close: waiting and later sends get their values back; the queue stays") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    const std::string result = rt.block_on([]() -> Task<std::string> {
      auto [tx, rx] = mpsc::channel<std::string>(1);
      if ((co_await tx.send("queued")).error) co_return "first send";
      auto waiting = spawn([](mpsc::Sender<std::string> tx) -> Task<std::string> {
        auto r = co_await tx.send("back");
        co_return r.error == std::errc::broken_pipe && r.value ? *r.value : "sent?";
      }(tx));
      co_await sleep(std::chrono::milliseconds(5));
      rx.close();
      if (!tx.is_closed()) co_return "not closed";
      std::string back = (co_await waiting).value_or_throw();
      auto later = tx.try_send("later");
      if (later.error != std::errc::broken_pipe || !later.value) co_return "later";
      auto kept = co_await rx.recv();
      if (!kept.value) co_return "lost";
      auto end = co_await rx.recv();  // closed and drained, though tx lives
      if (end.error != std::errc::broken_pipe) co_return "not the end";
      co_return back + "+" + *kept.value;
    }());
    CHECK(result == "back+queued");
  }
}

TEST_CASE("a dropped receiver fails sends and destroys what was queued") {
  test::Tracker::live = 0;
  auto [tx, rx] = mpsc::unbounded_channel<test::Tracker>();
  CHECK_FALSE(tx.send(test::Tracker{}).error);
  CHECK_FALSE(tx.send(test::Tracker{}).error);
  CHECK(test::Tracker::live.load() == 2);
  rx = {};
  CHECK(test::Tracker::live.load() == 0);
  CHECK(tx.is_closed());
  auto r = tx.send(test::Tracker{});
  CHECK(r.error == std::errc::broken_pipe);
  CHECK(r.value.has_value());
}

TEST_CASE("unbounded: four producers, each one's messages in order, the ring grows") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    constexpr int kEach = 2000;
    const bool ok = rt.block_on([]() -> Task<bool> {
      auto [tx, rx] = mpsc::unbounded_channel<int>();
      for (int p = 0; p < 4; ++p) {
        spawn([](mpsc::UnboundedSender<int> tx, int p) -> Task<void> {
          for (int i = 0; i < kEach; ++i) {
            if (tx.send(p * kEach + i).error) co_return;
            if (i % 100 == 0) co_await yield_now();
          }
        }(tx, p)).detach();
      }
      tx = {};
      int next[4] = {0, 0, 0, 0};
      int total = 0;
      for (;;) {
        auto [ec, v] = co_await rx.recv();
        if (!v) break;
        const int p = *v / kEach;
        if (*v % kEach != next[p]++) co_return false;
        ++total;
      }
      co_return total == 4 * kEach;
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
      auto [tx, rx] = mpsc::channel<std::string>(4);
      auto r = rt.block_on(test::recv_after_aborted_waiter(
          rx, [&tx = tx] { (void)tx.try_send("kept"); }, send_first));
      REQUIRE(r.has_value());
      CHECK(r->value == std::optional<std::string>("kept"));
    }
  }
}

TEST_CASE("a sending task aborted while it waits for a slot never enqueued its value") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    const std::string result = rt.block_on([]() -> Task<std::string> {
      auto [tx, rx] = mpsc::channel<std::string>(1);
      (void)tx.try_send("first");
      auto dropped = spawn([](mpsc::Sender<std::string> tx) -> Task<void> {
        (void)co_await tx.send("dropped");
      }(tx));
      co_await sleep(std::chrono::milliseconds(5));
      auto next = spawn([](mpsc::Sender<std::string> tx) -> Task<bool> {
        co_return !(co_await tx.send("next")).error;
      }(tx));
      co_await sleep(std::chrono::milliseconds(5));
      dropped.abort();
      if (!co_await test::was_cancelled(dropped)) co_return "not cancelled";
      std::string seen;
      for (int i = 0; i < 2; ++i) {
        auto r = co_await rx.recv();
        if (!r) co_return r.error.message();
        seen += *r.value + ";";
      }
      if (!(co_await next).value_or_throw()) co_return "next failed";
      if (rx.try_recv().error != std::errc::resource_unavailable_try_again) co_return "more";
      co_return seen;
    }());
    CHECK(result == "first;next;");
  }
}

TEST_CASE("a bounded channel's steady state allocates nothing per message") {
  auto [tx, rx] = mpsc::channel<std::string>(64);
  const long before = test::g_allocations.load();
  for (int i = 0; i < 10000; ++i) {
    if (tx.try_send(std::string("short")).error) break;  // fits the small-string buffer
    if (!rx.try_recv()) break;
  }
  CHECK(test::g_allocations.load() == before);
}

TEST_CASE("blocking halves: plain threads send and receive; tasks on the other end") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    constexpr int kCount = 500;
    auto [tx, rx] = mpsc::channel<int>(4);
    auto [back_tx, back_rx] = mpsc::unbounded_channel<int>();
    bool thread_ok = true;
    std::thread producer([&thread_ok, tx = std::move(tx)]() mutable {
      for (int i = 0; i < kCount; ++i) thread_ok = thread_ok && !tx.blocking_send(i).error;
    });
    int thread_sum = 0;
    std::error_code thread_end;
    std::thread consumer([&, back_rx = std::move(back_rx)]() mutable {
      for (;;) {
        auto r = back_rx.blocking_recv();
        if (!r) {
          thread_end = r.error;
          break;
        }
        thread_sum += *r.value;
      }
    });
    const int relayed = rt.block_on(
        [](mpsc::Receiver<int>& rx, mpsc::UnboundedSender<int> out) -> Task<int> {
          int n = 0;
          while (auto r = co_await rx.recv()) {
            if (out.send(*r.value).error) co_return -1;
            ++n;
          }
          co_return n;
        }(rx, std::move(back_tx)));
    producer.join();
    consumer.join();
    CHECK(thread_ok);
    CHECK(relayed == kCount);
    CHECK(thread_sum == kCount * (kCount - 1) / 2);
    CHECK(thread_end == std::errc::broken_pipe);
  }
}

TEST_CASE("blocking halves refuse to block a runtime's thread") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    auto [tx, rx] = mpsc::channel<int>(1);
    const bool ok = rt.block_on([](mpsc::Sender<int>& tx, mpsc::Receiver<int>& rx) -> Task<bool> {
      auto r = rx.blocking_recv();
      (void)tx.try_send(1);
      auto s = tx.blocking_send(2);  // full: would block
      co_return r.error == std::errc::resource_deadlock_would_occur &&
                s.error == std::errc::resource_deadlock_would_occur && s.value == 2;
    }(tx, rx));
    CHECK(ok);
    // The blocking pool's threads may block.
    mpsc::Receiver<int>* receiver = &rx;
    auto h = rt.spawn_blocking([receiver] { return receiver->blocking_recv().value.value_or(-1); });
    CHECK(rt.block_on([](JoinHandle<int> h) -> Task<int> { co_return (co_await h).value_or_throw(); }(std::move(h))) == 1);
  }
}

TEST_CASE("reserve waits for a slot; a permit keeps the channel open until it is used") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    const std::string result = rt.block_on([]() -> Task<std::string> {
      auto [tx, rx] = mpsc::channel<std::string>(1);
      (void)tx.try_send("first");
      auto reserver = spawn([](mpsc::Sender<std::string> tx) -> Task<mpsc::Permit<std::string>> {
        auto [ec, permit] = co_await tx.reserve();  // waits: the one slot is taken
        co_return std::move(permit);
      }(std::move(tx)));
      // The reserving task holds the only sender; the permit it gets keeps counting as one.
      auto first = co_await rx.recv();
      mpsc::Permit<std::string> permit = (co_await reserver).value_or_throw();  // its sender is gone now
      if (!permit.valid()) co_return "no permit";
      mpsc::Permit<std::string> other;
      other = std::move(permit);  // moves the slot and the sender's reference
      if (rx.try_recv().error != std::errc::resource_unavailable_try_again) co_return "ended";
      if (other.send("second").error) co_return "send";
      auto second = co_await rx.recv();
      auto end = co_await rx.recv();  // the permit was the last sender
      if (end.error != std::errc::broken_pipe) co_return "not the end";
      co_return *first.value + ";" + *second.value;
    }());
    CHECK(result == "first;second");
  }
}
