// SPDX-License-Identifier: MIT
// Model of the Parker's state machine (lib/exec/parker.cpp, compiled here as it ships)
// over each kind of backend that lib/exec/futex.hpp admits, with Relacy.
//
// The backends' wait/wake, abstracted:
// - CompareAndWait: futex (futex_linux.cpp), WaitOnAddress (futex_windows.cpp) and the
//   portable mutex + condition variable (futex_fallback.cpp) all sleep only while the
//   word still holds `expected`, atomically with respect to wake_one, may return
//   spuriously, and a timed wait may end at any moment (WaitOnAddress's early timeouts
//   come back as spurious wakes, which this covers). The kernel's lock is a Relacy mutex.
//   It gives the waker and the woken thread a happens-before edge that a real futex does
//   not promise in C++ terms, so the memory orderings are checked on the paths where the
//   token is taken without sleeping (which the schedules below all reach).
// - KeyedEvent: keyed_event_windows.cpp's NtReleaseKeyedEvent is a rendezvous: it blocks
//   until a wait on its key takes it, and a wait (timed or not) takes one release. There
//   is no compare; a release that no wait takes blocks its thread for ever, which Relacy
//   reports as a deadlock. keyed_wait/keyed_wake_one/keyed_consume_wake below stand for
//   the functions of the same names there (keyed_wait's re-wait on an NT timeout that
//   comes before the steady_clock deadline is folded into "a timed wait may end").
//
// The checks, each under both backends:
// - park_unpark: a parked owner is woken, and sees what the unparker wrote before unpark.
// - timed_race: park_until races with unpark; a false return loses no token (a park()
//   after it must still return), a true one synchronizes.
// - two_phase: the blocking pool's protocol (blocking_pool.cpp): the owner lists itself
//   under a lock after prepare_park(), parks with a timeout, and on a timeout decides
//   with timed_out() under the lock; the waker unlists it and takes unpark_lock() under
//   the lock, and wakes with the handle after unlocking, when the owner may have freed
//   its Parker already. With keyed events every release must be matched by a wait, also
//   when the timeout and the unpark race.

#include "model_run.hpp"

#include MODEL_SOURCE

namespace model {

using pollux::exec::Parker;
using pollux::exec::UnparkHandle;
using pollux::exec::sys::Deadline;
using pollux::exec::sys::FutexOps;
using pollux::exec::sys::WaitStatus;

// The "kernel" of the modelled backends: one lock and one wait queue (each check has one
// Parker). Constructed inside every iteration, as Relacy's objects must be.
struct Kernel {
  RlMutex lock;
  rl::condition_variable cv;
  // Keyed events: releases made and not yet taken, releases made, releases taken.
  unsigned pending = 0;
  unsigned released = 0;
  unsigned taken = 0;
};
Kernel* kernel = nullptr;

WaitStatus cmp_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                    const Deadline* deadline) noexcept {
  Kernel& k = *kernel;
  k.lock.lock($);
  if (word.load(std::memory_order_relaxed) != expected) {
    k.lock.unlock($);
    return WaitStatus::woken;
  }
  WaitStatus status = WaitStatus::woken;
  if (deadline == nullptr) {
    k.cv.wait(k.lock, $);  // may return spuriously
  } else if (!k.cv.wait_for(k.lock, 1, $)) {
    status = WaitStatus::timed_out;
  }
  k.lock.unlock($);
  return status;
}

void cmp_wake_one(void*) noexcept {
  Kernel& k = *kernel;
  k.lock.lock($);
  k.cv.notify_one($);
  k.lock.unlock($);
}

// Takes one release (the caller holds the lock).
void keyed_take(Kernel& k) {
  --k.pending;
  ++k.taken;
  k.cv.notify_all($);
}

WaitStatus keyed_wait(std::atomic<std::uint32_t>&, std::uint32_t,
                      const Deadline* deadline) noexcept {
  Kernel& k = *kernel;
  k.lock.lock($);
  while (k.pending == 0) {
    if (deadline == nullptr) {
      k.cv.wait(k.lock, $);
    } else if (!k.cv.wait_for(k.lock, 1, $) && k.pending == 0) {
      k.lock.unlock($);
      return WaitStatus::timed_out;
    }
  }
  keyed_take(k);
  k.lock.unlock($);
  return WaitStatus::woken;
}

void keyed_wake_one(void*) noexcept {
  Kernel& k = *kernel;
  k.lock.lock($);
  const unsigned mine = ++k.released;
  ++k.pending;
  k.cv.notify_all($);
  while (k.taken < mine) k.cv.wait(k.lock, $);  // the rendezvous
  k.lock.unlock($);
}

void keyed_consume_wake(std::atomic<std::uint32_t>&) noexcept {
  Kernel& k = *kernel;
  k.lock.lock($);
  while (k.pending == 0) k.cv.wait(k.lock, $);
  keyed_take(k);
  k.lock.unlock($);
}

bool always() noexcept { return true; }

const FutexOps kCompareAndWait = {"compare-and-wait", cmp_wait, cmp_wake_one, nullptr, always};
const FutexOps kKeyedEvent = {"keyed", keyed_wait, keyed_wake_one, keyed_consume_wake, always};
const FutexOps* backend = &kCompareAndWait;

// Any deadline: the modelled backends decide when a timed wait ends.
const Deadline kDeadline{};

template <class Derived, unsigned Threads>
struct ParkerSuite : rl::test_suite<Derived, Threads> {
  Kernel k;
  ParkerSuite() { kernel = &k; }
};

// Thread 1 writes `data` and unparks; thread 0 runs Derived::owner() and must see it.
template <class Derived>
struct Handoff : ParkerSuite<Derived, 2> {
  Parker parker;
  rl::var<int> data;
  void before() { data($) = 0; }
  void thread(unsigned index) {
    if (index == 0) {
      static_cast<Derived*>(this)->owner();
      RL_ASSERT(data($) == 1);
    } else {
      data($) = 1;
      parker.unpark();
    }
  }
};

struct ParkUnpark : Handoff<ParkUnpark> {
  void owner() { parker.park(); }
};

struct TimedRace : Handoff<TimedRace> {
  // A false return must leave the coming unpark's token to this park.
  void owner() {
    if (!parker.park_until(kDeadline)) parker.park();
  }
};

struct TwoPhase : ParkerSuite<TwoPhase, 2> {
  RlMutex lock;             // the wakers' lock (BlockingPool::mutex_)
  rl::var<Parker*> listed;    // the idle list, one entry long
  rl::var<int> data;
  void before() {
    listed($) = nullptr;
    data($) = 0;
  }
  void thread(unsigned index) {
    if (index == 0) {
      auto* parker = new Parker();
      lock.lock($);
      parker->prepare_park();
      listed($) = parker;
      lock.unlock($);
      bool woken = parker->park_until(kDeadline);
      if (!woken) {
        lock.lock($);
        if (parker->timed_out()) {
          RL_ASSERT(listed($) == parker);
          listed($) = nullptr;
        } else {
          woken = true;  // unlisted by the waker, whose unpark came after the timeout
        }
        lock.unlock($);
      }
      if (woken) RL_ASSERT(data($) == 1);
      delete parker;  // the waker's handle may still be unused
    } else {
      data($) = 1;
      lock.lock($);
      Parker* parker = listed($);
      listed($) = nullptr;
      UnparkHandle handle = parker != nullptr ? parker->unpark_lock() : UnparkHandle();
      lock.unlock($);
      handle.unpark();
    }
  }
};

template <class Suite>
bool check_on(const FutexOps& ops, const char* name, rl::test_params params,
              rl::test_result_e expected = rl::test_result_success) {
  backend = &ops;
  char full[96];
  std::snprintf(full, sizeof full, "%s/%.*s", name, static_cast<int>(ops.name.size()),
                ops.name.data());
  return check<Suite>(full, params, expected);
}

}  // namespace model

namespace pollux::inline POLLUX_ABI()::exec::sys {
const FutexOps& current_futex() noexcept { return *model::backend; }
}  // namespace pollux::exec::sys

int main() {
  using namespace model;
  bool ok = true;
#if !defined(MODEL_SEED)
  for (const FutexOps* ops : {&kCompareAndWait, &kKeyedEvent}) {
    ok &= check_on<ParkUnpark>(*ops, "park_unpark", bounded(5));
    ok &= check_on<TimedRace>(*ops, "timed_race", bounded(5));
    ok &= check_on<TwoPhase>(*ops, "two_phase", bounded(5));
    ok &= check_on<TwoPhase>(*ops, "two_phase (random)", random(200000));
  }
#elif MODEL_SEED == 1
  // unpark_lock()'s exchange weakened from release to relaxed: the parked thread no
  // longer sees what the unparker wrote. Relacy: a data race on `data`.
  ok &= check_on<ParkUnpark>(kCompareAndWait, "park_unpark", bounded(5),
                             rl::test_result_data_race);
#elif MODEL_SEED == 2
  // park_until() leaves on a timeout that raced with unpark_lock() without taking the
  // keyed-event release it is owed (consume_wake dropped): the waker's release is never
  // matched. Relacy: a deadlock.
  ok &= check_on<TwoPhase>(kKeyedEvent, "two_phase", bounded(5), rl::test_result_deadlock);
#endif
  return ok ? 0 : 1;
}
