// SPDX-License-Identifier: MIT
#pragma once
// mpsc: a multi-producer, single-consumer queue of values between tasks (tokio's
// sync::mpsc), bounded or unbounded.
//
//   auto [tx, rx] = mpsc::channel<Job>(1024);        // bounded: at most 1024 queued
//   co_await tx.send(job);                           // waits while the queue is full
//   while (auto [ec, job] = co_await rx.recv(); job) { ... }   // ec: all senders gone
//
// - Bounded: channel<T>(capacity) allocates its ring of `capacity` slots once (0 counts
//   as 1); send, reserve and blocking_send wait for a free slot, in FIFO order. A
//   message moves into its slot and out of it: nothing is allocated per message.
//   co_await tx.reserve() takes a slot first (a Permit); permit.send(v) then never waits.
// - Unbounded: unbounded_channel<T>() never makes a sender wait; its ring doubles when
//   full (so it allocates only while the backlog grows past what it ever was).
// - Senders are copyable; the receiver is unique. recv() gives the messages in order;
//   once every sender is gone and the queue is drained, broken_pipe (an empty value).
// - rx.close(): later sends fail (broken_pipe, the value handed back), waiting senders
//   get theirs back; what is queued stays receivable. Dropping the receiver closes too
//   and destroys what was queued.
// - try_send: resource_unavailable_try_again when full; try_recv: the same when empty.
// - blocking_recv / blocking_send, for threads outside the runtime: the same queue and
//   order, the thread parked until served; on a runtime's thread they refuse with
//   resource_deadlock_would_occur instead of blocking it.
//
// Cancel safety: recv() is cancel-safe: the message is taken only as the task goes on,
// so a task dropped while it waits (or after it was woken) loses nothing, and the next
// recv() gets the message. send() and reserve() are cancel-safe in this sense: a send
// dropped while it waits for a slot never enqueued its value (the value is destroyed
// with the task, not half-sent), and its place and any slot assigned to it go to the
// next sender. One task receives at a time: a second concurrent recv() completes at
// once with device_or_resource_busy.
//
// Awaitables are awaited as temporaries (`co_await tx.send(v)`); their state lives in the
// awaiting frame.

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
#include <pollux/exec/sync/mpsc_receiver.hpp>
#include <pollux/exec/sync/semaphore.hpp>

namespace pollux::inline POLLUX_ABI()::exec::mpsc {

namespace detail {

// Enqueues `value` (in a slot held by `slot`, which is then used up, when bounded).
template <class T>
SendResult<T> push(Shared<T>* s, T&& value, SemaphorePermit* slot) {
  Waker receiver;
  {
    std::lock_guard lock(s->mutex);
    if (s->closed_locked()) return {errc(std::errc::broken_pipe), std::move(value)};
    receiver = s->push_locked(std::move(value));
    if (slot != nullptr) slot->forget();
  }
  receiver.wake();
  return {};
}

// Holds one reference of the senders' (copy: another sender).
template <class T>
class SenderRef {
 public:
  SenderRef() noexcept = default;
  explicit SenderRef(Shared<T>* s) noexcept : shared_(s) {}
  SenderRef(const SenderRef& other) noexcept : shared_(other.shared_) {
    if (shared_ != nullptr) shared_->add_sender();
  }
  SenderRef(SenderRef&& other) noexcept : shared_(std::exchange(other.shared_, nullptr)) {}
  SenderRef& operator=(SenderRef other) noexcept {
    std::swap(shared_, other.shared_);
    return *this;
  }
  ~SenderRef() {
    if (shared_ != nullptr) shared_->drop_sender();
  }
  bool valid() const noexcept { return shared_ != nullptr; }
  /// The receiver closed or is gone: sends fail.
  bool is_closed() const noexcept { return shared_ == nullptr || shared_->is_closed(); }
  Shared<T>* shared() const noexcept { return shared_; }

 protected:
  Shared<T>* shared_ = nullptr;
};

}  // namespace detail

/// A reserved slot of a bounded channel: send() neither waits nor fails for room. An
/// unused Permit gives its slot back when destroyed. It counts as a sender while it lives.
template <class T>
class [[nodiscard]] Permit : detail::SenderRef<T> {
 public:
  Permit() noexcept = default;
  ///@{
  /// Movable, not copyable: the reserved slot moves with it (an assigned-over Permit gives
  /// its own slot back first).
  Permit(Permit&&) noexcept = default;
  Permit& operator=(Permit&& other) noexcept {
    slot_ = std::move(other.slot_);  // our old slot goes back while our channel is held
    detail::SenderRef<T>::operator=(std::move(other));
    return *this;
  }
  ///@}

  using detail::SenderRef<T>::valid;
  /// Enqueues `value`. broken_pipe (the value handed back) if the receiver closed since
  /// the reservation; invalid_argument on an empty or used Permit.
  SendResult<T> send(T value) {
    if (this->shared_ == nullptr) {
      return {detail::errc(std::errc::invalid_argument), std::move(value)};
    }
    auto r = detail::push(this->shared_, std::move(value), &slot_);
    if (!r.error) *this = Permit();
    return r;
  }

 private:
  template <class U>
  friend class ReserveAwaiter;
  template <class U>
  friend class Sender;
  Permit(const detail::SenderRef<T>& sender, SemaphorePermit slot) noexcept
      : detail::SenderRef<T>(sender), slot_(std::move(slot)) {}
  SemaphorePermit slot_;  // destroyed first: the channel is still held
};

/// What reserve()/try_reserve() give: `auto [error, permit] = ...;`.
template <class T>
struct [[nodiscard]] ReserveResult {
  /// Empty on success.
  std::error_code error;
  /// The reserved slot, on success.
  Permit<T> permit;
  /// True on success.
  explicit operator bool() const noexcept { return !error; }
};

// Waits for a slot of `sender`'s channel: the common part of send() and reserve(). The
// semaphore's awaiter is made only when the task may wait (in await_suspend).
template <class T>
class SlotAwaiter {
 public:
  explicit SlotAwaiter(const detail::SenderRef<T>& sender) noexcept : sender_(sender) {}
  SlotAwaiter(const SlotAwaiter&) = delete;
  SlotAwaiter& operator=(const SlotAwaiter&) = delete;
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h) noexcept {
    if (!sender_.valid()) return false;
    acquire_.emplace(sender_.shared()->slots(), 1);
    return acquire_->await_suspend(h);
  }

 protected:
  // The slot, or invalid_argument (no channel), broken_pipe (closed).
  std::error_code take_slot(SemaphorePermit& slot) noexcept {
    if (!acquire_) return detail::errc(std::errc::invalid_argument);
    auto [ec, permit] = acquire_->await_resume();
    // The slots' semaphore is closed only with the channel.
    if (ec) return detail::errc(std::errc::broken_pipe);
    slot = std::move(permit);
    return {};
  }
  const detail::SenderRef<T>& sender_;
  std::optional<pollux::exec::detail::AcquireAwaiter> acquire_;
};

template <class T>
class ReserveAwaiter : public SlotAwaiter<T> {
 public:
  using SlotAwaiter<T>::SlotAwaiter;
  ReserveResult<T> await_resume() noexcept {
    SemaphorePermit slot;
    if (auto ec = this->take_slot(slot)) return {ec, {}};
    return {{}, Permit<T>(this->sender_, std::move(slot))};
  }
};

template <class T>
class SendAwaiter : public SlotAwaiter<T> {
 public:
  SendAwaiter(const detail::SenderRef<T>& sender, T&& value)
      : SlotAwaiter<T>(sender), value_(std::move(value)) {}
  // The common case, inline: the task has budget and a slot is free (nobody waits for
  // one); the task goes on at once, so nothing can drop the slot before await_resume.
  bool await_ready() noexcept {
    detail::Shared<T>* s = this->sender_.shared();
    fast_ = s != nullptr && pollux::exec::detail::coop_try_consume() && s->take_slot_now();
    return fast_;
  }
  SendResult<T> await_resume() {
    if (fast_) {
      detail::Shared<T>* s = this->sender_.shared();
      auto r = detail::push(s, std::move(value_), nullptr);
      if (r.error) s->slot_freed();  // closed meanwhile: the slot goes back
      return r;
    }
    SemaphorePermit slot;
    if (auto ec = this->take_slot(slot)) return {ec, std::move(value_)};
    return detail::push(this->sender_.shared(), std::move(value_), &slot);
  }

 private:
  T value_;
  bool fast_ = false;
};

/// send()'s awaitable, only as a temporary: `co_await tx.send(v)`.
template <class T>
class [[nodiscard]] Send {
 public:
  Send(const Send&) = delete;
  Send& operator=(const Send&) = delete;
  /// Awaited as a temporary, where it is made: the call that made it says what it gives.
  SendAwaiter<T> operator co_await() && { return SendAwaiter<T>(sender_, std::move(value_)); }

 private:
  template <class U>
  friend class Sender;
  Send(const detail::SenderRef<T>& sender, T&& value) : sender_(sender), value_(std::move(value)) {}
  const detail::SenderRef<T>& sender_;
  T value_;
};

/// reserve()'s awaitable, only as a temporary: `co_await tx.reserve()`.
template <class T>
class [[nodiscard]] Reserve {
 public:
  Reserve(const Reserve&) = delete;
  Reserve& operator=(const Reserve&) = delete;
  /// Awaited as a temporary, where it is made: the call that made it says what it gives.
  ReserveAwaiter<T> operator co_await() && noexcept { return ReserveAwaiter<T>(sender_); }

 private:
  template <class U>
  friend class Sender;
  explicit Reserve(const detail::SenderRef<T>& sender) noexcept : sender_(sender) {}
  const detail::SenderRef<T>& sender_;
};

/// The sending end of a bounded channel; copy it for more producers.
template <class T>
class Sender : public detail::SenderRef<T> {
 public:
  using detail::SenderRef<T>::SenderRef;

  /// Waits for a slot, then enqueues; broken_pipe (value handed back) once closed.
  Send<T> send(T value) { return Send<T>(*this, std::move(value)); }
  /// Waits for a slot and holds it.
  Reserve<T> reserve() noexcept { return Reserve<T>(*this); }
  /// A slot now, or resource_unavailable_try_again (full), broken_pipe (closed).
  ReserveResult<T> try_reserve() noexcept {
    if (this->shared_ == nullptr) return {detail::errc(std::errc::invalid_argument), {}};
    auto got = this->shared_->slots().try_acquire(1);
    if (auto ec = channel_error(got.error)) return {ec, {}};
    return {{}, Permit<T>(*this, std::move(got.permit))};
  }
  /// Sends now if a slot is free; otherwise resource_unavailable_try_again (full) or
  /// broken_pipe (closed), handing the value back.
  SendResult<T> try_send(T value) {
    return send_with(std::move(value), [](Semaphore& slots) { return slots.try_acquire(1); });
  }
  /// send() for a thread outside the runtime (see the header comment).
  SendResult<T> blocking_send(T value) {
    return send_with(std::move(value), [](Semaphore& slots) { return slots.blocking_acquire(1); });
  }
  /// Free slots now (a snapshot).
  std::size_t capacity() const noexcept {
    return this->shared_ == nullptr ? 0 : this->shared_->slots().available_permits();
  }
  /// The bound the channel was made with.
  std::size_t max_capacity() const noexcept {
    return this->shared_ == nullptr ? 0 : this->shared_->bound();
  }

 private:
  // The slots' semaphore is closed only with the channel.
  static std::error_code channel_error(std::error_code ec) noexcept {
    return ec == std::errc::operation_canceled ? detail::errc(std::errc::broken_pipe) : ec;
  }
  template <class Acquire>
  SendResult<T> send_with(T&& value, Acquire acquire) {
    if (this->shared_ == nullptr) return {detail::errc(std::errc::invalid_argument), std::move(value)};
    auto got = acquire(this->shared_->slots());
    if (auto ec = channel_error(got.error)) return {ec, std::move(value)};
    return detail::push(this->shared_, std::move(value), &got.permit);
  }
};

/// The sending end of an unbounded channel: send() never waits.
template <class T>
class UnboundedSender : public detail::SenderRef<T> {
 public:
  using detail::SenderRef<T>::SenderRef;

  /// Enqueues at once; broken_pipe (value handed back) once closed.
  SendResult<T> send(T value) {
    if (this->shared_ == nullptr) return {detail::errc(std::errc::invalid_argument), std::move(value)};
    return detail::push(this->shared_, std::move(value), nullptr);
  }
};

/// A bounded channel of `capacity` slots (0 counts as 1), allocated now.
template <class T>
std::pair<Sender<T>, Receiver<T>> channel(std::size_t capacity) {
  auto* s = new detail::Shared<T>(capacity == 0 ? 1 : capacity, 0);
  return {Sender<T>(s), Receiver<T>(s)};
}

/// An unbounded channel (its ring starts with 16 slots and doubles when full).
template <class T>
std::pair<UnboundedSender<T>, Receiver<T>> unbounded_channel() {
  auto* s = new detail::Shared<T>(0, 16);
  return {UnboundedSender<T>(s), Receiver<T>(s)};
}

}  // namespace pollux::exec::mpsc
