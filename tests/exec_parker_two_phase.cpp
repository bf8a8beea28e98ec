// SPDX-License-Identifier: MIT
// Parker's two-phase unpark (parking_lot_core's ThreadParker protocol): unpark_lock()
// under the waker's lock, UnparkHandle::unpark() after it, and the one-shot waiting side
// (prepare_park, park, park_until, timed_out); run once per backend compiled for this host
// and usable here, like exec_parker.

#include <doctest/doctest.h>

#include <pollux/exec/parker.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "exec_parker_util.hpp"

using namespace std::chrono_literals;
using parker_test::await_or_die;
using parker_test::Clock;
using parker_test::for_each_backend;
using parker_test::spin_for;
using pollux::exec::Parker;
using pollux::exec::UnparkHandle;

TEST_CASE("unpark_lock leaves the token at once; the handle owes a wake only to a parked owner") {
  for_each_backend([] {
    Parker parker;
    {
      UnparkHandle handle = parker.unpark_lock();
      CHECK_FALSE(handle.needs_wake());  // nobody parked: nothing to wake
      handle.unpark();
    }
    CHECK(parker.park_for(0ns));
    CHECK_FALSE(parker.park_for(0ns));

    // A parked thread: the state change comes under the waker's lock, the wake after it.
    std::mutex lock;
    bool listed = false;  // under lock
    bool park_returned = false;
    bool handle_needed_wake = false;
    std::atomic<bool> woke{false};
    std::thread sleeper([&] {
      parker.prepare_park();
      {
        std::lock_guard guard(lock);
        listed = true;
      }
      parker.park();
      park_returned = true;
      woke.store(true, std::memory_order_release);
    });
    UnparkHandle handle;
    for (bool claimed = false; !claimed;) {
      std::this_thread::sleep_for(10ms);  // let the sleeper reach its wait (not required)
      std::lock_guard guard(lock);
      if (listed) {
        handle = parker.unpark_lock();
        claimed = true;
      }
    }
    handle_needed_wake = handle.needs_wake();
    handle.unpark();
    CHECK_FALSE(handle.needs_wake());
    handle.unpark();  // a second unpark owes nothing and does nothing
    await_or_die(woke, "a parked thread was not woken by unpark_lock + unpark");
    sleeper.join();
    CHECK(park_returned);
    MESSAGE("the handle owed a wake: ", handle_needed_wake);
    CHECK_FALSE(parker.park_for(0ns));  // the token was consumed by the park
  });
}

TEST_CASE("prepare_park drops a stale token; timed_out tells a timeout from a late unpark") {
  for_each_backend([] {
    Parker parker;
    parker.unpark();
    parker.prepare_park();
    CHECK_FALSE(parker.park_for(1ms));  // the stale token did not end this park
    CHECK(parker.timed_out());

    // An unpark between the timeout and timed_out() is not lost: timed_out() takes it.
    parker.prepare_park();
    CHECK_FALSE(parker.park_for(1ms));
    parker.unpark_lock().unpark();
    CHECK_FALSE(parker.timed_out());
    CHECK_FALSE(parker.park_for(0ns));  // consumed by timed_out()

    // An unpark_lock between prepare_park and park makes the park return at once.
    parker.prepare_park();
    parker.unpark_lock().unpark();
    CHECK(parker.park_for(10s));
  });
}

// The lifetime rule: the owner may leave park and free the Parker as soon as unpark_lock()
// has changed the state, before the handle's wake. The sleeper parks in short timed waits
// so that it notices the state change without any wake (as a spurious futex wake would),
// frees the Parker, and only then does the waker use the handle: under ASan, a handle that
// touched the Parker's memory would be a heap-use-after-free. NT keyed events are the
// exception by design: their owner cannot leave before the release (it must take it), so
// there the waker checks that it did not, then releases.
TEST_CASE("an UnparkHandle is safe to use after the woken owner freed the Parker") {
  for_each_backend([] {
    const bool owner_waits_for_release = pollux::exec::sys::parker_backend() == "keyed";
    constexpr int kRounds = 100;
    int needed_wake = 0;
    int left_before_release = 0;
    for (int r = 0; r < kRounds; ++r) {
      auto* parker = new Parker;
      std::atomic<bool> parking{false};
      std::atomic<bool> freed{false};
      // The sleeper owns the Parker (its own copy of the pointer: the waker drops its own).
      std::thread sleeper([owned = parker, &parking, &freed] {
        parking.store(true, std::memory_order_release);
        while (!owned->park_for(1ms)) {
        }
        delete owned;
        freed.store(true, std::memory_order_release);
      });
      await_or_die(parking, "the sleeper did not start");
      spin_for(std::chrono::microseconds(r % 7 * 50));
      UnparkHandle handle = parker->unpark_lock();
      parker = nullptr;  // the waker may not touch it any more
      needed_wake += handle.needs_wake();
      if (owner_waits_for_release && handle.needs_wake()) {
        std::this_thread::sleep_for(2ms);
        left_before_release += freed.load(std::memory_order_acquire);
      } else {
        await_or_die(freed, "the owner did not notice unpark_lock without a wake");
      }
      handle.unpark();
      await_or_die(freed, "the owner did not leave after the handle's wake");
      sleeper.join();
    }
    MESSAGE("rounds where the handle owed a wake: ", needed_wake, " of ", kRounds);
    CHECK(needed_wake > 0);  // the owner sleeps nearly all the time: most rounds do
    CHECK(left_before_release == 0);
  });
}

TEST_CASE("a two-phase unpark racing with a timeout is matched, and leaves nothing behind") {
  // parking_lot's protocol as the blocking pool uses it: the owner lists itself under a
  // lock, parks with a short timeout, and on a timeout asks timed_out() under the lock;
  // the waker takes a listed owner off the list and calls unpark_lock() under the lock,
  // and wakes after unlocking, at a random moment around the owner's timeout. In every
  // round the owner must report "unparked" exactly when the waker claimed it. For keyed
  // events an owner whose timed wait expired after the claim must take the release, or
  // the waker blocks for ever (caught by the round's deadline); a release left unmatched,
  // or matched by the wrong wait, shows up the same way or as a mismatch.
  for_each_backend([] {
    constexpr int kRounds = 2000;
    Parker parker;
    std::mutex lock;
    bool listed = false;  // under lock
    std::atomic<int> round_started{-1};
    std::atomic<int> round_done{-1};  // the waker has finished round r (claimed or not)
    std::atomic<bool> quit{false};
    std::vector<char> claimed(kRounds, 0);  // written by the waker only

    std::thread waker([&] {
      std::mt19937 rng(777);
      std::uniform_int_distribution<int> hold(0, 30);
      for (int r = 0; r < kRounds; ++r) {
        if (!parker_test::await_round(round_started, r, quit)) return;
        spin_for(parker_test::race_delay(rng, r, 80));
        UnparkHandle handle;
        {
          std::lock_guard guard(lock);
          if (listed) {
            listed = false;
            claimed[static_cast<std::size_t>(r)] = 1;
            handle = parker.unpark_lock();
          }
        }
        spin_for(std::chrono::microseconds(hold(rng)));
        handle.unpark();
        round_done.store(r, std::memory_order_release);
      }
    });

    std::mt19937 rng(4242);
    std::vector<char> unparked(kRounds, 0);
    for (int r = 0; r < kRounds; ++r) {
      parker.prepare_park();
      {
        std::lock_guard guard(lock);
        listed = true;
      }
      round_started.store(r, std::memory_order_release);
      bool was_unparked = parker.park_for(parker_test::race_delay(rng, r, 60));
      if (!was_unparked) {
        std::lock_guard guard(lock);
        if (parker.timed_out()) {
          listed = false;
        } else {
          was_unparked = true;
        }
      }
      unparked[static_cast<std::size_t>(r)] = was_unparked ? 1 : 0;
      parker_test::await_round_or_die(round_done, r, "the waker");
    }
    quit.store(true);
    waker.join();
    int mismatches = 0;
    int claims = 0;
    for (int r = 0; r < kRounds; ++r) {
      mismatches += claimed[static_cast<std::size_t>(r)] != unparked[static_cast<std::size_t>(r)];
      claims += claimed[static_cast<std::size_t>(r)];
    }
    MESSAGE("rounds claimed by the waker: ", claims, " of ", kRounds);
    CHECK(mismatches == 0);

    // Nothing is left over: a timed park times out, and a real park/unpark still works.
    CHECK_FALSE(parker.park_for(0ns));
    CHECK_FALSE(parker.park_for(2ms));
    parker_test::park_in_thread_and_wake(parker, [](Parker& p) { p.unpark_lock().unpark(); },
                                         "park after the two-phase race");
  });
}
