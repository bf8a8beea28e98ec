// SPDX-License-Identifier: MIT
#pragma once
// mpsc's receiving end, the same for bounded and unbounded channels: Receiver, and the
// recv() awaitable. Included by <pollux/exec/sync/mpsc.hpp>, whose comment describes the
// channel, its ordering and the cancel safety of recv().

#include <memory>
#include <mutex>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>

#include <pollux/exec/detail/mpsc_core.hpp>
#include <pollux/exec/detail/task_header.hpp>  // coop_try_consume
#include <pollux/exec/detail/thread_park.hpp>
#include <pollux/exec/sync/channel_result.hpp>

namespace pollux::inline POLLUX_ABI()::exec::mpsc {

template <class T>
class Receiver;

template <class T>
class RecvAwaiter : public detail::RecvWait {
 public:
  // A message is taken before the task goes on (in await_ready or await_suspend) only if
  // moving it cannot throw (it would terminate in await_suspend).
  explicit RecvAwaiter(detail::Core* core) noexcept
      : RecvWait(core, std::is_nothrow_move_constructible_v<T> ? &take_now : nullptr) {}
  // The common case, inline: the task has budget and a message is queued. It is taken
  // at once; the task goes on without suspending, so nothing can drop it in between.
  bool await_ready() noexcept {
    if (core_ == nullptr) return true;  // await_resume: invalid_argument
    if constexpr (std::is_nothrow_move_constructible_v<T>) {
      if (!pollux::exec::detail::coop_try_consume()) {
        budget_ = Budget::none;
        return false;
      }
      budget_ = Budget::spent;
      auto* s = static_cast<detail::Shared<T>*>(core_);
      s->mutex.lock();
      if (s->pop_locked(taken_)) {
        s->mutex.unlock();
        s->slot_freed();
        outcome_ = Outcome::taken;
        return true;
      }
      // Nothing queued: await_suspend, which the coroutine calls next and at once, goes
      // on under this lock (one critical section for the whole wait).
      holds_lock_ = true;
    }
    return false;
  }
  RecvResult<T> await_resume() {
    if (core_ == nullptr) return {detail::errc(std::errc::invalid_argument), {}};
    if (outcome_ == Outcome::busy) return {detail::errc(std::errc::device_or_resource_busy), {}};
    if (outcome_ == Outcome::taken) return {{}, std::move(taken_)};
    return Receiver<T>::take(static_cast<detail::Shared<T>*>(core_));
  }

 private:
  static bool take_now(RecvWait* self) noexcept {
    auto* me = static_cast<RecvAwaiter*>(self);
    return static_cast<detail::Shared<T>*>(me->core_)->pop_locked(me->taken_);
  }
  std::optional<T> taken_;
};

/// recv()'s awaitable, only as a temporary: `co_await rx.recv()`.
template <class T>
class [[nodiscard]] Recv {
 public:
  Recv(const Recv&) = delete;
  Recv& operator=(const Recv&) = delete;
  /// Awaited as a temporary, where it is made: the call that made it says what it gives.
  RecvAwaiter<T> operator co_await() && noexcept { return RecvAwaiter<T>(core_); }

 private:
  friend class Receiver<T>;
  explicit Recv(detail::Core* core) noexcept : core_(core) {}
  detail::Core* core_;
};

/// The receiving end (of either kind of channel). Move-only.
template <class T>
class Receiver {
 public:
  Receiver() noexcept = default;
  /// Made by channel() and unbounded_channel() (the shared state is internal).
  explicit Receiver(detail::Shared<T>* s) noexcept : shared_(s) {}

  /// False once moved from (or default-made).
  bool valid() const noexcept { return shared_ != nullptr; }

  /// The next message; broken_pipe once the senders are gone (or closed) and drained.
  Recv<T> recv() noexcept { return Recv<T>(shared_.get()); }
  /// The next message now; resource_unavailable_try_again when none is queued.
  RecvResult<T> try_recv() {
    if (shared_ == nullptr) return {detail::errc(std::errc::invalid_argument), {}};
    return take(shared_.get());
  }
  /// recv() for a thread outside the runtime (see the header comment).
  RecvResult<T> blocking_recv() {
    if (shared_ == nullptr) return {detail::errc(std::errc::invalid_argument), {}};
    if (auto ec = pollux::exec::detail::blocking_allowed()) return {ec, {}};
    pollux::exec::detail::ThreadPark park;
    for (;;) {
      park.prepare();
      std::unique_lock lock(shared_->mutex);
      if (shared_->ready_locked()) {
        lock.unlock();
        return take(shared_.get());
      }
      if (!shared_->wait_locked(this, park.waker())) {
        return {detail::errc(std::errc::device_or_resource_busy), {}};
      }
      lock.unlock();
      park.park();  // until a message, the last sender's exit or close()
    }
  }
  /// Sends fail from now on; what is queued stays receivable.
  void close() noexcept {
    if (shared_ != nullptr) shared_->close();
  }

 private:
  friend class RecvAwaiter<T>;
  static RecvResult<T> take(detail::Shared<T>* s) {
    RecvResult<T> r;
    {
      std::lock_guard lock(s->mutex);
      if (!s->pop_locked(r.value)) {
        r.error = s->empty_error_locked();
        return r;
      }
    }
    s->slot_freed();
    return r;
  }
  // Dropping the receiver closes the channel and empties it.
  struct Release {
    void operator()(detail::Shared<T>* s) const noexcept {
      s->close();
      // Closed: nothing pushes any more, and nobody else pops. The messages are
      // destroyed outside the lock: their destructors may use this channel (a Sender
      // sent in a message).
      s->ring.clear();
      s->drop_receiver();
    }
  };
  std::unique_ptr<detail::Shared<T>, Release> shared_;
};

}  // namespace pollux::exec::mpsc
