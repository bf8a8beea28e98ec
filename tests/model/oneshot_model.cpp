// SPDX-License-Identifier: MIT
// Model of oneshot (lib/exec/sync/oneshot.cpp with include/pollux/exec/sync/oneshot.hpp,
// compiled here as they ship), with Relacy, over the models' task runtime
// (sync_runtime.hpp): the state word's lock-free send, receive and drops, and the
// waiters that announce themselves on it. The channel's block comes from Relacy's allocator: freed twice,
// never, or used after its last end let go, it is reported.
//
// The checks:
// - send_recv: a receiver awaits while the sender sends and goes; it gets the value.
// - cancelled_recv: a receive is dropped while it waits (before or after the send); a
//   second receive still gets the value (recv is cancel-safe).
// - sender_dropped: the sender goes without sending while the receiver awaits: the
//   receiver is woken with broken_pipe.
// - receiver_dropped: the receiver goes while the sender awaits closed(): the sender is
//   woken, and its send fails and hands the value back.

#include "model_run.hpp"

#include MODEL_SOURCE

#include "sync_runtime.hpp"

namespace model {

namespace oneshot = pollux::exec::oneshot;

template <class Derived>
struct ChannelSuite : SyncSuite<Derived, 2> {
  oneshot::Sender<int> tx;
  oneshot::Receiver<int> rx;
  void before() {
    auto [s, r] = oneshot::channel<int>();
    tx = std::move(s);
    rx = std::move(r);
  }
  // The value a receive gets, or -1 with broken_pipe.
  int receive() {
    oneshot::detail::RecvAwaiter<int> waiter = rx.recv().operator co_await();
    auto [ec, value] = await(waiter);
    if (ec) {
      RL_ASSERT(ec == std::errc::broken_pipe);
      return -1;
    }
    return *value;
  }
  void send_and_go() {
    RL_ASSERT(tx.send(42));
    tx = {};
  }
};

struct SendRecv : ChannelSuite<SendRecv> {
  void thread(unsigned index) {
    if (index == 0) {
      RL_ASSERT(receive() == 42);
      rx = {};
    } else {
      send_and_go();
    }
  }
};

struct CancelledRecv : ChannelSuite<CancelledRecv> {
  void thread(unsigned index) {
    if (index == 0) {
      {
        oneshot::detail::RecvAwaiter<int> dropped = rx.recv().operator co_await();
        (void)suspend_only(dropped);
      }
      RL_ASSERT(receive() == 42);
      rx = {};
    } else {
      send_and_go();
    }
  }
};

struct SenderDropped : ChannelSuite<SenderDropped> {
  void thread(unsigned index) {
    if (index == 0) {
      RL_ASSERT(receive() == -1);
      rx = {};
    } else {
      tx = {};
    }
  }
};

struct ReceiverDropped : ChannelSuite<ReceiverDropped> {
  void thread(unsigned index) {
    if (index == 0) {
      rx = {};
    } else {
      {
        // Gone before tx, as the temporary of `co_await tx.closed()` is: its destructor
        // still looks at the channel.
        oneshot::detail::ClosedWait closed = tx.closed().operator co_await();
        RL_ASSERT(!await(closed));
      }
      auto [ec, value] = tx.send(7);
      RL_ASSERT(ec == std::errc::broken_pipe && value == 7);
      tx = {};
    }
  }
};

}  // namespace model

int main() {
  using namespace model;
  bool ok = true;
#if !defined(MODEL_SEED)
  ok &= check<SendRecv>("send_recv", bounded(5));
  ok &= check<CancelledRecv>("cancelled_recv", bounded(5));
  ok &= check<SenderDropped>("sender_dropped", bounded(5));
  ok &= check<ReceiverDropped>("receiver_dropped", bounded(5));
#elif MODEL_SEED == 1
  // A sender dropped without sending no longer takes the receiver's waker (the step
  // that wakes it with broken_pipe is gone). Relacy: a deadlock (the receiver waits for
  // ever).
  ok &= check<SenderDropped>("sender_dropped", bounded(5), rl::test_result_deadlock);
#elif MODEL_SEED == 2
  // A receive that announces itself on the state word waits without looking at what the
  // word held: a value published just before (whose sender saw no waiter, so wakes
  // nobody) is never noticed. Relacy: a deadlock.
  ok &= check<SendRecv>("send_recv", bounded(5), rl::test_result_deadlock);
#endif
  return ok ? 0 : 1;
}
