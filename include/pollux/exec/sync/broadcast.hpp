// SPDX-License-Identifier: MIT
#pragma once
// broadcast: every receiver gets every value (tokio's sync::broadcast), through a ring of
// fixed capacity shared by all receivers.
//
//   auto [tx, rx] = broadcast::channel<Event>(64);
//   auto rx2 = tx.subscribe();                       // sees what is sent from now on
//   (void)tx.send(event);                            // never waits
//   auto [ec, value, missed] = co_await rx.recv();
//
// - The ring keeps the last `capacity` values (0 counts as 1), allocated once; a send to
//   a full ring overwrites the oldest. A receiver that fell further behind than that
//   gets std::errc::no_buffer_space with `missed` = how many values it lost, and its next
//   recv continues from the oldest value still kept.
// - Values are copied to each receiver (T must be copyable).
// - tx.send(v): broken_pipe, and v handed back, when no receiver exists. Senders are
//   copyable; once all are gone, a receiver that has read everything gets broken_pipe.
// - try_recv(): resource_unavailable_try_again when there is nothing new.
//
// Cancel safety: recv() is cancel-safe: a receiver's position moves only as its task
// resumes with the value, so a dropped recv() loses nothing.
//
// `co_await rx.recv()` must be awaited as a temporary; the waiter lives in the awaiting
// frame. One task receives on a Receiver at a time (make one per task: subscribe()).

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <system_error>
#include <utility>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/channel_ends.hpp>
#include <pollux/exec/detail/ring.hpp>
#include <pollux/exec/detail/wait_queue.hpp>
#include <pollux/exec/sync/channel_result.hpp>

namespace pollux::inline POLLUX_ABI()::exec::broadcast {

using pollux::exec::SendResult;

/// What recv()/try_recv() give: `auto [error, value, missed] = ...;` `missed` is set
/// with error no_buffer_space (this receiver lagged: that many values were lost to it).
template <class T>
struct [[nodiscard]] RecvResult {
  /// Empty on success.
  std::error_code error;
  /// The value received, on success.
  std::optional<T> value;
  /// With no_buffer_space: the values this receiver lost.
  std::uint64_t missed = 0;
  /// True when a value was received.
  explicit operator bool() const noexcept { return value.has_value(); }
};

namespace detail {

// The untyped part: the ends' counts (ChannelEnds) and the sequence numbers, all under
// the wait queue's lock; the typed ring sits beside it.
class POLLUX_EXEC_API Core : public pollux::exec::detail::ChannelEnds {
 public:
  using ChannelEnds::ChannelEnds;

  // A new receiver; returns the sequence number it starts from.
  std::uint64_t subscribe() noexcept;

  // Lock held: a value for a receiver at `next`, or lag, or the end.
  bool ready_locked(std::uint64_t next) const noexcept {
    return next != next_ || senders_gone_locked();
  }
  std::uint64_t oldest_locked() const noexcept { return oldest_; }
  std::uint64_t next_locked() const noexcept { return next_; }
  // Lock held: a value was pushed (and the oldest dropped, if `evicted`).
  void pushed_locked(bool evicted) noexcept {
    ++next_;
    if (evicted) ++oldest_;
  }

 private:
  std::uint64_t oldest_ = 0;  // sequence number of the ring's front, guarded by queue.mutex
  std::uint64_t next_ = 0;    // the next value's sequence number, guarded by queue.mutex
};

template <class T>
struct Shared final : Core {
  explicit Shared(std::size_t capacity) : Core(&destroy), ring(capacity) {}
  static void destroy(ChannelEnds* c) noexcept { delete static_cast<Shared*>(c); }

  // Lock held: the value at `*next`, lag or the end; moves `*next` on.
  RecvResult<T> take_locked(std::uint64_t* next) {
    RecvResult<T> r;
    if (*next < oldest_locked()) {
      r.error = std::make_error_code(std::errc::no_buffer_space);
      r.missed = oldest_locked() - *next;
      *next = oldest_locked();
    } else if (*next < next_locked()) {
      r.value.emplace(ring.at(static_cast<std::size_t>(*next - oldest_locked())));
      ++*next;
    } else if (senders_gone_locked()) {
      r.error = std::make_error_code(std::errc::broken_pipe);
    } else {
      r.error = std::make_error_code(std::errc::resource_unavailable_try_again);
    }
    return r;
  }

  pollux::exec::detail::Ring<T> ring;  // guarded by queue.mutex
};

}  // namespace detail

template <class T>
class Receiver;

template <class T>
class RecvAwaiter : public pollux::exec::detail::ReadyWait {
 public:
  RecvAwaiter(detail::Shared<T>* s, std::uint64_t* next) noexcept
      : ReadyWait(s == nullptr ? nullptr : &s->queue, &ready, this), shared_(s), next_(next) {}
  RecvResult<T> await_resume() {
    if (shared_ == nullptr) return {std::make_error_code(std::errc::invalid_argument), {}, 0};
    std::lock_guard lock(shared_->queue.mutex);
    return shared_->take_locked(next_);
  }

 private:
  static bool ready(const void* ctx) noexcept {
    auto* self = static_cast<const RecvAwaiter*>(ctx);
    return self->shared_->ready_locked(*self->next_);
  }
  detail::Shared<T>* shared_;
  std::uint64_t* next_;
};

/// recv()'s awaitable, only as a temporary: `co_await rx.recv()`.
template <class T>
class [[nodiscard]] Recv {
 public:
  Recv(const Recv&) = delete;
  Recv& operator=(const Recv&) = delete;
  /// Awaited as a temporary, where it is made: the call that made it says what it gives.
  RecvAwaiter<T> operator co_await() && noexcept { return {shared_, next_}; }

 private:
  friend class Receiver<T>;
  Recv(detail::Shared<T>* s, std::uint64_t* next) noexcept : shared_(s), next_(next) {}
  detail::Shared<T>* shared_;
  std::uint64_t* next_;
};

template <class T>
class Sender;

/// A receiving end: gets every value sent after it was made (channel() or subscribe()).
/// Move-only; one task receives on it at a time.
template <class T>
class Receiver {
 public:
  Receiver() noexcept = default;
  /// Movable; the moved-from Receiver is empty.
  Receiver(Receiver&& other) noexcept
      : shared_(std::exchange(other.shared_, nullptr)), next_(other.next_) {}
  /// Takes over `other`'s end; the one this held is released.
  Receiver& operator=(Receiver&& other) noexcept {
    std::swap(shared_, other.shared_);
    std::swap(next_, other.next_);
    return *this;
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;
  ~Receiver() {
    if (shared_ != nullptr) shared_->drop_receiver();
  }

  /// False once moved from (or default-made).
  bool valid() const noexcept { return shared_ != nullptr; }
  /// `co_await rx.recv()`: the next value, waiting for one (see RecvResult for lag and
  /// broken_pipe). Cancel-safe.
  Recv<T> recv() noexcept { return Recv<T>(shared_, &next_); }
  /// The next value if there is one; resource_unavailable_try_again when nothing is new.
  RecvResult<T> try_recv() {
    if (shared_ == nullptr) return {std::make_error_code(std::errc::invalid_argument), {}, 0};
    std::lock_guard lock(shared_->queue.mutex);
    return shared_->take_locked(&next_);
  }

 private:
  friend class Sender<T>;
  template <class U>
  friend std::pair<Sender<U>, Receiver<U>> channel(std::size_t capacity);
  Receiver(detail::Shared<T>* s, std::uint64_t next) noexcept : shared_(s), next_(next) {}
  detail::Shared<T>* shared_ = nullptr;
  std::uint64_t next_ = 0;
};

/// A sending end. Copyable: the channel closes for receivers once every copy is gone.
template <class T>
class Sender {
 public:
  Sender() noexcept = default;
  /// Made by channel() (the shared state is internal).
  explicit Sender(detail::Shared<T>* s) noexcept : shared_(s) {}
  ///@{
  /// Copyable and movable; each copy keeps the channel open.
  Sender(const Sender& other) noexcept : shared_(other.shared_) {
    if (shared_ != nullptr) shared_->add_sender();
  }
  /// Movable; the moved-from Sender is empty.
  Sender(Sender&& other) noexcept : shared_(std::exchange(other.shared_, nullptr)) {}
  Sender& operator=(Sender other) noexcept {
    std::swap(shared_, other.shared_);
    return *this;
  }
  ///@}
  ~Sender() {
    if (shared_ != nullptr) shared_->drop_sender();
  }

  /// False once moved from (or default-made).
  bool valid() const noexcept { return shared_ != nullptr; }
  /// Stores `value` for every receiver (overwriting the oldest when full) and wakes them;
  /// broken_pipe, handing it back, when there is no receiver.
  SendResult<T> send(T value) {
    if (shared_ == nullptr) return {std::make_error_code(std::errc::invalid_argument), std::move(value)};
    std::optional<T> evicted;  // destroyed after the lock is released
    std::unique_lock lock(shared_->queue.mutex);
    if (!shared_->has_receivers_locked()) {
      return {std::make_error_code(std::errc::broken_pipe), std::move(value)};
    }
    const bool full = shared_->ring.full();
    if (full) evicted.emplace(shared_->ring.pop_front());
    shared_->ring.push_back(std::move(value));
    shared_->pushed_locked(full);
    shared_->queue.wake_all(lock);
    return {};
  }
  /// A receiver that gets the values sent from now on.
  Receiver<T> subscribe() {
    if (shared_ == nullptr) return {};
    return Receiver<T>(shared_, shared_->subscribe());
  }
  /// The receivers that exist now (a snapshot).
  std::size_t receiver_count() const noexcept {
    return shared_ == nullptr ? 0 : shared_->receiver_count();
  }

 private:
  detail::Shared<T>* shared_ = nullptr;
};

/// A channel whose ring keeps the last `capacity` values (0 counts as 1), allocated now.
template <class T>
std::pair<Sender<T>, Receiver<T>> channel(std::size_t capacity) {
  auto* s = new detail::Shared<T>(capacity == 0 ? 1 : capacity);
  return {Sender<T>(s), Receiver<T>(s, 0)};
}

}  // namespace pollux::exec::broadcast
