// SPDX-License-Identifier: MIT
// Model of mpsc (lib/exec/sync/mpsc.cpp with include/pollux/exec/sync/mpsc.hpp and
// mpsc_core.hpp, over the real Semaphore of semaphore.cpp, whose permits are the bounded
// channel's free slots; all compiled here as they ship), with Relacy, over the models'
// task runtime (sync_runtime.hpp). A wake-up that goes missing (a sender waiting for a
// slot, the receiver waiting for a message or for the end) shows as a deadlock; the
// channel's block comes from Relacy's allocator, so it is reported if freed twice, never,
// or used after its last end let go.
//
// The checks (channels of one slot, so that every second send waits for room):
// - backpressure: two senders send two values each, the receiver takes them until
//   broken_pipe: each sender waiting for a slot is woken when one frees, every value
//   arrives once, in its sender's order, and the last sender's exit ends the stream.
// - cancelled_recv: a receive is dropped while it waits (before or after the send); the
//   next receive still gets the value. (One that finds the value queued takes it at
//   once, under the lock it looked with, and its task goes on: never dropped there.
//   A receive that finds nothing in await_ready keeps that lock for await_suspend.)
// - cancelled_send, cancelled_reserve: the only slot is full; a send (or a reserve) is
//   dropped while it waits for room, maybe after the slot it waited for was assigned to
//   it; a second sender's send still gets that slot, and the dropped value never arrives.
// - senders_dropped: both senders go while the receiver waits: it is woken, broken_pipe.
// - receiver_closes: a sender waits for room when the receiver calls close(): the send
//   fails with its value handed back, and what was queued stays receivable.

#include "model_run.hpp"

#include MODEL_SOURCE

#include "semaphore.cpp"
#include "sync_runtime.hpp"

#include "no_blocking.hpp"

namespace model {

namespace mpsc = pollux::exec::mpsc;

template <class Derived, unsigned Threads>
struct ChannelSuite : SyncSuite<Derived, Threads> {
  mpsc::Sender<int> tx[2];
  mpsc::Receiver<int> rx;
  void before() {
    auto [s, r] = mpsc::channel<int>(1);
    tx[1] = s;
    tx[0] = std::move(s);
    rx = std::move(r);
  }
  // Awaits send(v) on tx[i]: true if sent.
  bool send(unsigned i, int v) {
    mpsc::SendAwaiter<int> waiter = tx[i].send(v).operator co_await();
    auto [ec, back] = await(waiter);
    if (ec) {
      RL_ASSERT(ec == std::errc::broken_pipe && back == v);
      return false;
    }
    return true;
  }
  // The value a receive gets, or -1 with broken_pipe.
  int receive() {
    mpsc::RecvAwaiter<int> waiter = rx.recv().operator co_await();
    auto [ec, value] = await(waiter);
    if (ec) {
      RL_ASSERT(ec == std::errc::broken_pipe);
      return -1;
    }
    return *value;
  }
};

struct Backpressure : ChannelSuite<Backpressure, 3> {
  void thread(unsigned index) {
    if (index < 2) {
      RL_ASSERT(send(index, int(index) * 10 + 1));
      RL_ASSERT(send(index, int(index) * 10 + 2));
      tx[index] = {};
      return;
    }
    int next[2] = {1, 1};  // per sender, the value it sends next
    int got = 0;
    for (int v; (v = receive()) != -1; ++got) {
      const int from = v / 10;
      RL_ASSERT(from < 2 && v % 10 == next[from]);
      ++next[from];
    }
    RL_ASSERT(got == 4);
    rx = {};
  }
};

struct CancelledRecv : ChannelSuite<CancelledRecv, 2> {
  void thread(unsigned index) {
    if (index == 0) {
      int got = 0;
      {
        mpsc::RecvAwaiter<int> dropped = rx.recv().operator co_await();
        // A recv that completes without suspending is resumed at once (its task cannot
        // be dropped there; it may have taken the message already): only one that
        // suspended is dropped.
        if (!suspend_only(dropped)) got = *dropped.await_resume().value;
      }
      // One receive only: the dropped one may have been woken (the model's task then
      // holds that wake), which only a message can have done.
      if (got == 0) got = receive();
      RL_ASSERT(got == 7);
      rx = {};
    } else {
      tx[1] = {};
      RL_ASSERT(send(0, 7));
      tx[0] = {};
    }
  }
};

// Thread 0's send (or reserve) waits for the only slot and is dropped; thread 1 sends;
// the receiver takes the value queued before, then thread 1's.
template <bool kReserve>
struct CancelledSend : ChannelSuite<CancelledSend<kReserve>, 3> {
  using Base = ChannelSuite<CancelledSend<kReserve>, 3>;
  void before() {
    Base::before();
    RL_ASSERT(!this->tx[0].try_send(1).error);
  }
  void thread(unsigned index) {
    if (index == 0) {
      if constexpr (kReserve) {
        mpsc::ReserveAwaiter<int> dropped = this->tx[0].reserve().operator co_await();
        (void)suspend_only(dropped);
      } else {
        mpsc::SendAwaiter<int> dropped = this->tx[0].send(2).operator co_await();
        (void)suspend_only(dropped);
      }
      this->tx[0] = {};
    } else if (index == 1) {
      RL_ASSERT(this->send(1, 3));
      this->tx[1] = {};
    } else {
      RL_ASSERT(this->receive() == 1);
      RL_ASSERT(this->receive() == 3);
      RL_ASSERT(this->receive() == -1);
      this->rx = {};
    }
  }
};

struct SendersDropped : ChannelSuite<SendersDropped, 3> {
  void thread(unsigned index) {
    if (index < 2) {
      tx[index] = {};
    } else {
      RL_ASSERT(receive() == -1);
      rx = {};
    }
  }
};

struct ReceiverCloses : ChannelSuite<ReceiverCloses, 2> {
  void before() {
    ChannelSuite::before();
    tx[1] = {};
    RL_ASSERT(!tx[0].try_send(1).error);
  }
  void thread(unsigned index) {
    if (index == 0) {
      RL_ASSERT(!send(0, 2));  // the slot is taken until close(), which fails the send
      tx[0] = {};
    } else {
      rx.close();
      RL_ASSERT(receive() == 1);
      RL_ASSERT(receive() == -1);
      rx = {};
    }
  }
};

}  // namespace model

int main() {
  using namespace model;
  bool ok = true;
#if !defined(MODEL_SEED)
  ok &= check<Backpressure>("backpressure", bounded(2));
  ok &= check<CancelledRecv>("cancelled_recv", bounded(5));
  ok &= check<CancelledSend<false>>("cancelled_send", bounded(2));
  ok &= check<CancelledSend<true>>("cancelled_reserve", bounded(2));
  ok &= check<SendersDropped>("senders_dropped", bounded(5));
  ok &= check<ReceiverCloses>("receiver_closes", bounded(5));
#elif MODEL_SEED == 1
  // A receive no longer gives its slot back (slot_freed adds no permit): a sender waiting
  // for room is never woken. Relacy: a deadlock.
  ok &= check<Backpressure>("backpressure", bounded(3), rl::test_result_deadlock);
#elif MODEL_SEED == 2
  // The last sender to go no longer takes the receiver's waker (the step that wakes it to
  // see broken_pipe is gone). Relacy: a deadlock (the receiver waits for ever).
  ok &= check<SendersDropped>("senders_dropped", bounded(5), rl::test_result_deadlock);
#elif MODEL_SEED == 3
  // A receive that finds the channel ready under the lock (here: every sender gone) waits
  // anyway: nobody is left to wake it. Relacy: a deadlock.
  ok &= check<SendersDropped>("senders_dropped", bounded(5), rl::test_result_deadlock);
#endif
  return ok ? 0 : 1;
}
