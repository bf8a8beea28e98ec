// SPDX-License-Identifier: MIT
// Model of Notify (lib/exec/sync/notify.cpp with include/pollux/exec/sync/notify.hpp,
// wait_list.hpp and wake_list.hpp, compiled here as they ship), with Relacy. The tasks
// are the model's (sync_runtime.hpp); Relacy explores how their critical sections and
// wakes interleave, and reports a notification that is lost as a deadlock.
//
// The checks:
// - one_cancelled: two tasks wait, one notify_one(); the second task is dropped while it
//   waits (before or after it was chosen). The notification is never lost: the first
//   task is woken, or finds the permit.
// - waiters: two tasks whose notified() came before notify_waiters() are both woken,
//   whether they queued before the call or only after it; the call leaves no permit.

#include "model_run.hpp"

#include MODEL_SOURCE

#include "sync_runtime.hpp"

namespace model {

using pollux::exec::Notify;
using pollux::exec::detail::NotifyAwaiter;

struct OneCancelled : SyncSuite<OneCancelled, 3> {
  Notify notify;
  void thread(unsigned index) {
    if (index == 0) {
      NotifyAwaiter waiter(notify, 0);
      await(waiter);
    } else if (index == 1) {
      NotifyAwaiter waiter(notify, 0);
      (void)suspend_only(waiter);  // then dropped: a notification it had passes on
    } else {
      notify.notify_one();
    }
  }
  void after() { RL_ASSERT(notify.waiter_count() == 0); }
};

struct Waiters : SyncSuite<Waiters, 3> {
  Notify notify;
  void thread(unsigned index) {
    if (index < 2) {
      // As made by a notified() called before notify_waiters(): the generation then.
      NotifyAwaiter waiter(notify, 0);
      await(waiter);
    } else {
      notify.notify_waiters();
    }
  }
  void after() {
    // No permit: a new waiter would wait.
    NotifyAwaiter probe(notify, 1);
    RL_ASSERT(suspend_only(probe));
  }
};

}  // namespace model

int main() {
  using namespace model;
  bool ok = true;
#if !defined(MODEL_SEED)
  ok &= check<OneCancelled>("one_cancelled", bounded(5));
  ok &= check<OneCancelled>("one_cancelled (random)", random(200000));
  ok &= check<Waiters>("waiters", bounded(5));
#elif MODEL_SEED == 1
  // A waiter dropped after notify_one() chose it keeps the notification (its destructor's
  // hand-on to the next waiter or the permit removed). Relacy: a deadlock (the other
  // task waits for ever).
  ok &= check<OneCancelled>("one_cancelled", bounded(2), rl::test_result_deadlock);
#endif
  return ok ? 0 : 1;
}
