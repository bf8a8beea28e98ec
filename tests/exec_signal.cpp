// SPDX-License-Identifier: MIT
// exec::SignalStream and exec::ctrl_c(): arrivals awaited on both runtime flavours, none
// merged across signals, none lost by a recv that is cancelled; bad input.

#include "exec_util.hpp"
#include "signal_util.hpp"

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/select.hpp>
#include <pollux/exec/signal.hpp>
#include <pollux/exec/sleep.hpp>

#include <atomic>
#include <thread>

using namespace pollux;
using namespace std::chrono_literals;
using exec::Task;

namespace {

exec::SignalStream make_stream(std::initializer_list<int> signals) {
  std::error_code ec;
  auto s = exec::SignalStream::create(signals, ec);
  TASK_CHECK(!ec);
  return s;
}

}  // namespace

TEST_CASE("recv gives each arrival once, and different signals apart") {
  test::DefaultActions defaults({Signals::ctrl_c()});
  test::each_flavor([]() -> Task<void> {
    const int a = Signals::ctrl_c();
    const int b = test::other_signal();
    auto s = make_stream({a, b});
    TASK_REQUIRE(s.is_open());
    TASK_REQUIRE(test::send_signal(b));
    TASK_REQUIRE(test::send_signal(a));
    TASK_REQUIRE(test::send_signal(a));
    int seen_a = 0;
    int seen_b = 0;
    for (int i = 0; i < 3; ++i) {
      auto [ec, sig] = co_await s.recv();
      TASK_REQUIRE(!ec);
      seen_a += sig == a;
      seen_b += sig == b;
    }
    TASK_CHECK(seen_a == 2);
    TASK_CHECK(seen_b == 1);
    // Nothing else is pending: a recv now waits (and loses the race with the sleep).
    auto r = co_await exec::select(s.recv(), exec::sleep(30ms));
    TASK_CHECK(r.index() == 1);
  });
}

TEST_CASE("a recv cancelled while it waits loses no signal") {
  test::each_flavor([]() -> Task<void> {
    const int b = test::other_signal();
    auto s = make_stream({b});
    auto waiter = exec::spawn([](exec::SignalStream* s, test::Tracker) -> Task<void> {
      (void)co_await s->recv();
    }(&s, test::Tracker{}));
    co_await test::abort_while_waiting(waiter);
    TASK_REQUIRE(test::send_signal(b));
    auto [ec, sig] = co_await s.recv();
    TASK_CHECK(!ec);
    TASK_CHECK(sig == b);
  });
}

TEST_CASE("ctrl_c completes at the next Ctrl-C") {
  test::DefaultActions defaults({Signals::ctrl_c()});
  test::each_flavor([]() -> Task<void> {
    // Held throughout, so that a Ctrl-C sent before ctrl_c() watches ends nothing.
    auto guard = make_stream({Signals::ctrl_c()});
    auto waiter = exec::spawn(exec::ctrl_c());
    // ctrl_c() starts watching when its task first runs: send until it has seen one.
    for (int i = 0; i < 10000 && !waiter.is_finished(); ++i) {
      TASK_REQUIRE(test::send_signal(Signals::ctrl_c()));
      co_await exec::sleep(2ms);
    }
    TASK_REQUIRE(waiter.is_finished());
    auto r = co_await waiter;
    TASK_CHECK(r.has_value());
    if (r.has_value()) TASK_CHECK(!r.value());
  });
}

// kill(1) on a server whose main thread sleeps in block_on: the kernel runs the handler on
// that thread, inside the parker's futex wait. Under ThreadSanitizer this stream was never
// told: TSan runs a handler only when its thread passes one of TSan's interceptors, and
// with SA_RESTART the kernel resumed the raw futex call at once, so the thread slept on.
TEST_CASE("a signal sent to the process reaches a stream while block_on's thread sleeps") {
  const int b = test::other_signal();
  exec::Runtime rt = test::make_runtime(exec::Flavor::multi_thread, 1);
  // Made and dropped on this thread, outside the wait, so that the handler stays installed
  // for as long as the signal may be pending.
  exec::SignalStream s = rt.block_on([](int b) -> Task<exec::SignalStream> {
    co_return make_stream({b});
  }(b));
  REQUIRE(s.is_open());
  std::atomic<bool> sent{false};
  std::thread sender([&] {
    // Not a measure of anything: the signal is meant to find the main thread asleep, and
    // the test passes (on fixed code) whether or not it does.
    std::this_thread::sleep_for(100ms);
    sent.store(test::send_signal_to_process(b));
  });
  const bool seen = rt.block_on([](exec::SignalStream& s) -> Task<bool> {
    auto r = co_await exec::select(s.recv(), exec::sleep(30s));
    co_return r.index() == 0;
  }(s));
  sender.join();
  CHECK(sent.load());
  CHECK(seen);
}

TEST_CASE("bad input, and a stream made outside a runtime") {
  std::error_code ec;
  auto outside = exec::SignalStream::create({test::other_signal()}, ec);
  CHECK(ec == std::errc::operation_not_permitted);
  CHECK(!outside.is_open());
  test::each_flavor([]() -> Task<void> {
    std::error_code ec;
    auto bad = exec::SignalStream::create({-1}, ec);
    TASK_CHECK(ec == std::errc::invalid_argument);
    auto [err, sig] = co_await bad.recv();
    TASK_CHECK(err == std::errc::bad_file_descriptor);
    TASK_CHECK(sig == 0);
  });
}
