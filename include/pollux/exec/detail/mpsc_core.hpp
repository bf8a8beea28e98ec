// SPDX-License-Identifier: MIT
#pragma once
// mpsc's shared block. Core is the part that does not depend on T (lib/exec/sync/mpsc.cpp):
// the ends' counts, the closed flag, the receiver's single waiting slot and, for a bounded
// channel, the Semaphore whose permits are the free slots of the ring (tokio's design:
// a send waits for a permit, a receive gives one back). Shared<T> adds the Ring<T>.
// One ChannelLock guards the core and the ring (its critical sections are a few loads
// and stores: a push or a pop, a waker moved out); the semaphore has its own lock, never
// taken while holding the core's. A send that finds a free slot and a receive that
// finds a message are inline (mpsc.hpp): the slot's compare-and-swap, the lock, the ring.

#include <coroutine>
#include <cstddef>
#include <optional>
#include <system_error>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/channel_lock.hpp>
#include <pollux/exec/detail/ring.hpp>
#include <pollux/exec/detail/wait_slot.hpp>
#include <pollux/exec/detail/waker.hpp>
#include <pollux/exec/sync/semaphore.hpp>

namespace pollux::inline POLLUX_ABI()::exec::mpsc::detail {

using pollux::exec::detail::Waker;

inline std::error_code errc(std::errc e) noexcept { return std::make_error_code(e); }

class POLLUX_EXEC_API Core {
 public:
  using Destroy = void (*)(Core*) noexcept;
  // bound == 0: unbounded.
  Core(Destroy destroy, std::size_t bound) noexcept
      : slots_(bound), destroy_(destroy), bound_(bound) {}
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  bool bounded() const noexcept { return bound_ != 0; }
  std::size_t bound() const noexcept { return bound_; }
  Semaphore& slots() noexcept { return slots_; }

  void add_sender() noexcept;
  void drop_sender() noexcept;
  // The receiver's close(): sends fail from now on, waiting senders get their values
  // back; what is queued stays receivable.
  void close() noexcept;
  // The receiver goes (after close(), and after emptying the ring): drops its reference.
  void drop_receiver() noexcept;
  bool is_closed() noexcept;

  // Lock held. A push is allowed (else broken_pipe)?
  bool closed_locked() const noexcept { return closed_; }
  // Lock held, after a push: the waiting receiver's waker (if one waits), to wake after
  // unlocking.
  Waker pushed_locked() noexcept {
    ++queued_;
    return receiver_.waiting() ? receiver_.take() : Waker{};
  }
  // Lock held, after a pop.
  void popped_locked() noexcept { --queued_; }
  // A free slot now, if nobody waits for one (bounded channels; the send's fast path).
  bool take_slot_now() noexcept { return slots_.take_free(1); }
  // A popped message's slot goes back (bounded channels), outside the lock; so does the
  // slot of a send that took one and then found the channel closed.
  void slot_freed() noexcept;
  // Lock held, nothing queued: resource_unavailable_try_again while senders remain,
  // broken_pipe once none does (or the channel is closed).
  std::error_code empty_error_locked() const noexcept;
  bool ready_locked() const noexcept { return queued_ != 0 || senders_ == 0 || closed_; }
  bool receiver_busy_locked(const void* who) const noexcept { return receiver_.busy_for(who); }
  // Lock held: takes the receiver's waiting slot for `who`; false if another waits.
  bool wait_locked(const void* who, Waker waker) noexcept;
  // Leaves the slot if `who` still holds it (a dropped recv); the waker is dropped
  // after the lock is released.
  void unwait(const void* who) noexcept;

  pollux::exec::detail::ChannelLock mutex;

 private:
  Semaphore slots_;
  Destroy destroy_;
  std::size_t bound_;
  std::size_t refs_ = 2;        // guarded by mutex: the senders count as one
  std::size_t senders_ = 1;     // guarded by mutex
  std::size_t queued_ = 0;      // guarded by mutex
  bool closed_ = false;         // guarded by mutex
  pollux::exec::detail::WaitSlot receiver_;  // the waiting recv, guarded by mutex
};

template <class T>
struct Shared final : Core {
  Shared(std::size_t bound, std::size_t initial)
      : Core(&destroy, bound), ring(bound != 0 ? bound : initial) {}
  static void destroy(Core* c) noexcept { delete static_cast<Shared*>(c); }

  // Lock held; the caller ensured room (a slot permit) or the channel is unbounded.
  Waker push_locked(T&& value) {
    if (ring.full()) ring.grow();
    ring.push_back(std::move(value));
    return pushed_locked();
  }
  // Lock held: the oldest message, if any.
  bool pop_locked(std::optional<T>& out) {
    if (ring.empty()) return false;
    out.emplace(ring.pop_front());
    popped_locked();
    return true;
  }

  pollux::exec::detail::Ring<T> ring;  // guarded by mutex
};

// The waiting half of recv(), shared by every T (the message is taken under the lock in
// the typed await_resume, or by `take_now`). Its outcome: it waited in the slot, found it
// taken, or took a message at once. `take_now` (may be null) pops a message into the
// typed awaiter, lock held: used when one is queued and the task goes on without
// suspending (nothing can drop it then), so that one lock serves the whole recv.
// The typed await_ready tries that first, inline; `budget_` says whether it already
// spent the task's unit (or found none), so that await_suspend does not ask again, and
// when it found nothing it leaves the lock held for await_suspend.
class POLLUX_EXEC_API RecvWait {
 public:
  using TakeNow = bool (*)(RecvWait* self) noexcept;
  RecvWait(Core* core, TakeNow take_now) noexcept : core_(core), take_now_(take_now) {}
  RecvWait(const RecvWait&) = delete;
  RecvWait& operator=(const RecvWait&) = delete;
  ~RecvWait();
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h) noexcept;

 protected:
  enum class Outcome : unsigned char { none, waited, busy, taken };
  enum class Budget : unsigned char { unknown, spent, none };
  Core* core_;
  TakeNow take_now_;
  Outcome outcome_ = Outcome::none;
  Budget budget_ = Budget::unknown;
  bool holds_lock_ = false;  // await_ready left the core's lock held for await_suspend
};

}  // namespace pollux::exec::mpsc::detail
