// SPDX-License-Identifier: MIT
// co_await on a JoinHandle gives a JoinResult: completed (the value), cancelled, or
// failed (the exception kept); it never throws (issue 13 item 3). value_or_throw() is
// the throwing convenience, and block_on keeps returning the value or rethrowing. On
// both runtime flavours.

#include "exec_join_util.hpp"
#include "exec_sync_util.hpp"
#include "exec_task_check.hpp"

#include <pollux/exec/join_handle.hpp>
#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sleep.hpp>
#include <pollux/exec/sync/notify.hpp>
#include <pollux/exec/yield_now.hpp>

#include <chrono>
#include <stdexcept>
#include <string>

using namespace pollux::exec;
using namespace std::chrono_literals;

TEST_CASE("co_await handle gives a JoinResult: completed, cancelled, failed, invalid") {
  for (Flavor f : test::kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      auto done = co_await spawn(test::value(4));
      TASK_REQUIRE(done.has_value());
      TASK_CHECK(done.value() == 4);
      TASK_CHECK(!done.is_cancelled());
      TASK_CHECK(!done.is_failed());
      TASK_CHECK(!done.error());

      Notify never;
      auto h = spawn(test::wait_then(never, 1));
      h.abort();
      auto cancelled = co_await h;
      TASK_CHECK(!cancelled);
      TASK_CHECK(cancelled.is_cancelled());
      TASK_CHECK(cancelled.error() == std::errc::operation_canceled);

      auto failed = co_await spawn(test::fails());
      TASK_CHECK(!failed);
      TASK_CHECK(failed.is_failed());
      TASK_CHECK(!failed.is_cancelled());
      std::string what;
      try {
        std::rethrow_exception(failed.exception());
      } catch (const std::runtime_error& e) {
        what = e.what();
      }
      TASK_CHECK(what == "task");

      // The throwing convenience, clearly named.
      bool rethrown = false;
      try {
        (void)(co_await spawn(test::fails())).value_or_throw();
      } catch (const std::runtime_error&) {
        rethrown = true;
      }
      TASK_CHECK(rethrown);
      TASK_CHECK((co_await spawn(test::value(5))).value_or_throw() == 5);

      // Empty handles and taken outputs.
      JoinHandle<int> empty;
      auto none = co_await empty;
      TASK_CHECK(none.error() == std::errc::invalid_argument);
      auto twice = spawn(test::value(6));
      (void)co_await twice;
      auto again = co_await twice;
      TASK_CHECK(again.error() == std::errc::invalid_argument);
      auto empty_task = co_await spawn(Task<int>{});
      TASK_CHECK(empty_task.error() == std::errc::invalid_argument);

      // void tasks.
      auto v = co_await spawn(sleep(1ms));
      TASK_CHECK(v.has_value());
      std::move(v).value_or_throw();
    }());
  }
}

TEST_CASE("block_on still returns the value and rethrows") {
  Runtime rt = test::make_runtime(Flavor::current_thread);
  CHECK(rt.block_on(test::value(3)) == 3);
  CHECK_THROWS_AS(rt.block_on(test::fails()), std::runtime_error);
}
