// SPDX-License-Identifier: MIT
// Task<T> on its own and inside a runtime: laziness, values, exceptions, symmetric
// transfer along deep await chains, and frame lifetimes.

#include "exec_util.hpp"

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/task.hpp>
#include <pollux/exec/yield_now.hpp>

#include <memory>
#include <stdexcept>
#include <string>

using namespace pollux::exec;

namespace {

Task<int> answer(bool* started) {
  *started = true;
  co_return 42;
}

Task<int> depth(int n) {
  if (n == 0) co_return 0;
  co_return 1 + co_await depth(n - 1);
}

Task<void> thrower() {
  throw std::runtime_error("boom");
  co_return;
}

Task<std::string> catcher() {
  try {
    co_await thrower();
  } catch (const std::runtime_error& e) {
    co_return std::string("caught ") + e.what();
  }
  co_return "nothing";
}

Task<std::unique_ptr<int>> move_only() { co_return std::make_unique<int>(7); }

Task<void> hold(test::Tracker) { co_return; }

}  // namespace

TEST_CASE("a task does not start until it is awaited") {
  auto rt = test::make_runtime(Flavor::current_thread);
  bool started = false;
  Task<int> t = answer(&started);
  CHECK_FALSE(started);
  CHECK(t.valid());
  CHECK(rt.block_on(std::move(t)) == 42);
  CHECK(started);
  CHECK_FALSE(t.valid());
}

TEST_CASE("a deep chain of awaits runs in constant stack (symmetric transfer)") {
  // Without symmetric transfer each level would add stack frames on the way down and
  // again on the way up; 200k levels would overflow an 8 MB stack.
  // GCC makes the transfer a tail call only when optimising, and sanitizers'
  // function-exit hooks prevent it: there, only a shallow chain checks the results.
#if defined(__OPTIMIZE__)
  const int n = test::kSanitized ? 2'000 : 200'000;
#else
  const int n = 5'000;
#endif
  for (Flavor f : {Flavor::current_thread, Flavor::multi_thread}) {
    CAPTURE(test::flavor_name(f));
    auto rt = test::make_runtime(f);
    CHECK(rt.block_on(depth(n)) == n);
  }
}

TEST_CASE("an exception propagates to the awaiting task and to block_on") {
  auto rt = test::make_runtime(Flavor::multi_thread);
  CHECK(rt.block_on(catcher()) == "caught boom");
  CHECK_THROWS_WITH_AS(rt.block_on(thrower()), "boom", std::runtime_error);
}

TEST_CASE("move-only results travel through the join") {
  auto rt = test::make_runtime(Flavor::multi_thread);
  auto p = rt.block_on(move_only());
  REQUIRE(p != nullptr);
  CHECK(*p == 7);
}

TEST_CASE("destroying a task that never ran destroys its frame and arguments") {
  const long before = test::Tracker::live.load();
  {
    Task<void> t = hold(test::Tracker{});
    CHECK(test::Tracker::live.load() == before + 1);
  }
  CHECK(test::Tracker::live.load() == before);
}

TEST_CASE("an empty task is reported, not run") {
  auto rt = test::make_runtime(Flavor::multi_thread);
  Task<int> empty;
  try {
    rt.block_on(std::move(empty));
    FAIL("block_on of an empty task returned");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::invalid_argument);
  }
}

TEST_CASE("a finished task's frame goes at once, even while its handle is kept") {
  // The value stays for the joiner; the frame (locals, parameters) must not wait for it.
  for (Flavor f : {Flavor::current_thread, Flavor::multi_thread}) {
    CAPTURE(f == Flavor::multi_thread ? "multi_thread" : "current_thread");
    auto rt = test::make_runtime(f);
    const long before = test::Tracker::live.load();
    auto h = rt.spawn([](test::Tracker) -> Task<int> { co_return 3; }(test::Tracker{}));
    auto unused = rt.spawn(hold(test::Tracker{}));
    rt.block_on([](JoinHandle<int>* h) -> Task<void> {
      while (!h->is_finished()) co_await yield_now();
    }(&h));
    CHECK(test::eventually([&] { return test::Tracker::live.load() == before; }));
    CHECK(rt.block_on([](JoinHandle<int> h) -> Task<int> { co_return (co_await std::move(h)).value_or_throw(); }(
              std::move(h))) == 3);
  }
}
