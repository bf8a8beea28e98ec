// SPDX-License-Identifier: MIT
// Model of a worker's run queue (lib/exec/local_queue.hpp, compiled here as it ships):
// its owner pushes and pops while other workers steal half of it, with Relacy.
//
// The checks:
// - steal: the owner pushes, pops and pushes again while a thief steals into its own
//   queue and drains it: every task is taken exactly once (none lost, none twice), and a
//   thief sees what the owner wrote into a task before pushing it.
// - two_thieves: the same with a second thief, which must back off while the first one
//   is still copying (or steal what is left after it).
// - overflow: a full queue moves half of itself to the injection queue while a thief
//   steals; still every task is taken once (random schedules: 257 pushes per run).

#include "model_run.hpp"

#include MODEL_SOURCE

namespace model {

using pollux::exec::detail::InjectionQueue;
using pollux::exec::detail::LocalQueue;
using pollux::exec::detail::TaskHeader;
using pollux::exec::detail::TaskVtable;

constexpr TaskVtable kNoVtable{};

// A queue entry: a bare header (only its address and queue_next are used by the queue),
// and a payload that the pushing thread writes first.
struct Task : TaskHeader {
  Task() : TaskHeader(&kNoVtable, 1) {}
  rl::var<int> payload;
  unsigned id = 0;
};

template <unsigned Tasks, unsigned Threads>
struct QueueSuite : rl::test_suite<QueueSuite<Tasks, Threads>, Threads> {
  std::array<Task, Tasks> tasks;
  LocalQueue queues[Threads];
  InjectionQueue inject;
  // taken[thread][task]: written by that thread only, summed in after().
  unsigned taken[Threads][Tasks] = {};

  void before() {
    for (unsigned i = 0; i < Tasks; ++i) {
      tasks[i].id = i;
      tasks[i].payload($) = 0;
    }
  }
  void take(unsigned thread, TaskHeader* t) {
    RL_ASSERT(t != nullptr);
    auto* task = static_cast<Task*>(t);
    RL_ASSERT(task->payload($) == static_cast<int>(task->id) + 1);
    ++taken[thread][task->id];
  }
  void push(unsigned i) {
    tasks[i].payload($) = static_cast<int>(i) + 1;
    (void)queues[0].push_back_or_overflow(&tasks[i], inject);
  }
  void drain(unsigned thread) {
    while (TaskHeader* t = queues[thread].pop()) take(thread, t);
  }
  void steal(unsigned thread) {
    std::uint32_t moved = 0;
    if (TaskHeader* t = queues[0].steal_into(queues[thread], moved)) take(thread, t);
    drain(thread);
  }
  void after() {
    while (TaskHeader* t = inject.pop()) take(0, t);
    for (unsigned i = 0; i < Tasks; ++i) {
      unsigned n = 0;
      for (unsigned th = 0; th < Threads; ++th) n += taken[th][i];
      RL_ASSERT(n == 1);
    }
  }
};

struct Steal : QueueSuite<4, 2> {
  void thread(unsigned index) {
    if (index == 0) {
      push(0);
      push(1);
      push(2);
      if (TaskHeader* t = queues[0].pop()) take(0, t);
      push(3);
      drain(0);
    } else {
      steal(1);
    }
  }
};

struct TwoThieves : QueueSuite<4, 3> {
  void thread(unsigned index) {
    if (index == 0) {
      for (unsigned i = 0; i < 4; ++i) push(i);
      drain(0);
    } else {
      steal(index);
    }
  }
};

constexpr unsigned kOverflowTasks = LocalQueue::kCapacity + 1;

struct Overflow : QueueSuite<kOverflowTasks, 2> {
  void thread(unsigned index) {
    if (index == 0) {
      for (unsigned i = 0; i < kOverflowTasks; ++i) push(i);
      drain(0);
    } else {
      steal(1);
    }
  }
};

}  // namespace model

namespace pollux::inline POLLUX_ABI()::exec::detail {
// push_or_drop's fallback for a closed injection queue; never closed here.
void drop_queue_entry(TaskHeader*) noexcept { RL_ASSERT(false); }
}  // namespace pollux::exec::detail

int main() {
  using namespace model;
  bool ok = true;
#if !defined(MODEL_SEED)
  // Each run builds two or three queues of 256 Relacy atomics.
  ok &= check<Steal>("steal", bounded(3));
  ok &= check<TwoThieves>("two_thieves (random)", random(200000));
  rl::test_params overflow = random(2000);
  overflow.execution_depth_limit = 20000;  // 257 pushes, and half of them moved
  ok &= check<Overflow>("overflow (random)", overflow);
#elif MODEL_SEED == 1
  // push_back_or_overflow() publishes the new tail with a relaxed store, not a release:
  // a thief that sees the tail need not see the slot written before it. Relacy: the
  // thief's load of that slot reads it before any store to it it can see (an access to an
  // uninitialised variable; a stale task otherwise).
  ok &= check<Steal>("steal", bounded(2), rl::test_result_unitialized_access);
#elif MODEL_SEED == 2
  // The thief claims its half without checking that no other steal is in progress (the
  // `steal != real` back-off dropped): two thieves copy overlapping slots. Relacy: a task
  // taken twice (the assertion in after()).
  ok &= check<TwoThieves>("two_thieves", random(10000), rl::test_result_user_assert_failed);
#endif
  return ok ? 0 : 1;
}
