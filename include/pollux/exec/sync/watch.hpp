// SPDX-License-Identifier: MIT
#pragma once
// watch: one value that a sender updates and any number of receivers look at (tokio's
// sync::watch). Receivers see the latest value, never a queue: intermediate values a
// receiver did not look at are skipped.
//
//   auto [tx, rx] = watch::channel<Config>(initial);
//   tx.send(next);                                   // from anywhere, never waits
//   while (!co_await rx.changed()) {                 // error: the sender is gone
//     Config now = *rx.borrow_and_update();          // copy out, release the borrow
//   }
//
// - Each receiver remembers the version it has seen: changed() completes once the value
//   is newer than that (marking it seen), at once if it already is; broken_pipe once the
//   sender is gone and nothing newer is left to see. has_changed() asks without waiting.
// - borrow() gives read access under a shared lock (a Ref; do not hold it across an
//   await or a send from the same thread); borrow_and_update() also marks it seen.
// - tx.send(v) stores v and wakes the waiting receivers; it returns broken_pipe when no
//   receiver exists (the value is stored all the same, for later subscribers).
//   send_modify(f) updates in place. tx.subscribe() makes a receiver that has seen the
//   current value. Receivers are copyable (the copy has seen what the original has).
//
// Cancel safety: changed() is cancel-safe: nothing is marked seen until the task resumes
// with the outcome, so a dropped changed() loses no change.
//
// `co_await rx.changed()` must be awaited as a temporary; the waiter lives in the
// awaiting frame.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <system_error>
#include <utility>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/channel_ends.hpp>
#include <pollux/exec/detail/wait_queue.hpp>

namespace pollux::inline POLLUX_ABI()::exec::watch {

namespace detail {

// The untyped part of the shared block: the ends' counts (ChannelEnds), the version and
// the changed() waiters. The value is written under value_lock, and the version bumped
// there; waiters check the version under the queue's lock, which a send takes after the
// bump (to wake them), so no change is missed.
class Core : public pollux::exec::detail::ChannelEnds {
 public:
  using ChannelEnds::ChannelEnds;

  void bump_version() noexcept { version_.fetch_add(1, std::memory_order_release); }
  std::uint64_t version() const noexcept { return version_.load(std::memory_order_acquire); }
  // Under the queue's lock: something for a receiver that has seen `seen`.
  bool ready_locked(std::uint64_t seen) const noexcept {
    return version() != seen || senders_gone_locked();
  }

  std::shared_mutex value_lock;

 private:
  std::atomic<std::uint64_t> version_{0};
};

template <class T>
struct Shared final : Core {
  explicit Shared(T initial) : Core(&destroy), value(std::move(initial)) {}
  static void destroy(ChannelEnds* c) noexcept { delete static_cast<Shared*>(c); }
  T value;  // guarded by value_lock
};

}  // namespace detail

/// Read access to the value, under a shared lock, until destroyed.
template <class T>
class [[nodiscard]] Ref {
 public:
  ///@{
  /// The value (senders wait until this Ref is gone).
  const T& operator*() const noexcept { return *value_; }
  const T* operator->() const noexcept { return value_; }
  ///@}

 private:
  template <class U>
  friend class Sender;
  template <class U>
  friend class Receiver;
  explicit Ref(detail::Shared<T>* s) : lock_(s->value_lock), value_(&s->value) {}
  std::shared_lock<std::shared_mutex> lock_;
  const T* value_;
};

template <class T>
class Receiver;
template <class T>
class Sender;

template <class T>
class ChangedAwaiter : public pollux::exec::detail::ReadyWait {
 public:
  ChangedAwaiter(detail::Shared<T>* s, std::uint64_t* seen) noexcept
      : ReadyWait(s == nullptr ? nullptr : &s->queue, &ready, this), shared_(s), seen_(seen) {}
  /// Empty: a newer value (now marked seen); broken_pipe: the sender is gone.
  std::error_code await_resume() noexcept {
    if (shared_ == nullptr) return std::make_error_code(std::errc::invalid_argument);
    const std::uint64_t now = shared_->version();
    if (now == *seen_) return std::make_error_code(std::errc::broken_pipe);
    *seen_ = now;
    return {};
  }

 private:
  static bool ready(const void* ctx) noexcept {
    auto* self = static_cast<const ChangedAwaiter*>(ctx);
    return self->shared_->ready_locked(*self->seen_);
  }
  detail::Shared<T>* shared_;
  std::uint64_t* seen_;
};

/// changed()'s awaitable, only as a temporary: `co_await rx.changed()`.
template <class T>
class [[nodiscard]] Changed {
 public:
  Changed(const Changed&) = delete;
  Changed& operator=(const Changed&) = delete;
  /// Awaited as a temporary, where it is made: the call that made it says what it gives.
  ChangedAwaiter<T> operator co_await() && noexcept { return {shared_, seen_}; }

 private:
  friend class Receiver<T>;
  Changed(detail::Shared<T>* s, std::uint64_t* seen) noexcept : shared_(s), seen_(seen) {}
  detail::Shared<T>* shared_;
  std::uint64_t* seen_;
};

/// A receiving end: reads the latest value and waits for changes. Copyable: each copy
/// keeps its own record of the version it has seen.
template <class T>
class Receiver {
 public:
  Receiver() noexcept = default;
  ///@{
  /// Copyable and movable.
  Receiver(const Receiver& other) noexcept : shared_(other.shared_), seen_(other.seen_) {
    if (shared_ != nullptr) shared_->add_receiver();
  }
  /// Movable; the moved-from Receiver is empty.
  Receiver(Receiver&& other) noexcept
      : shared_(std::exchange(other.shared_, nullptr)), seen_(other.seen_) {}
  Receiver& operator=(Receiver other) noexcept {
    std::swap(shared_, other.shared_);
    std::swap(seen_, other.seen_);
    return *this;
  }
  ///@}
  ~Receiver() {
    if (shared_ != nullptr) shared_->drop_receiver();
  }

  /// False once moved from (or default-made).
  bool valid() const noexcept { return shared_ != nullptr; }
  /// The current value, without marking it seen.
  Ref<T> borrow() const { return Ref<T>(shared_); }
  /// The current value, marked seen: changed() then waits for a newer one.
  Ref<T> borrow_and_update() {
    Ref<T> ref(shared_);
    seen_ = shared_->version();  // under the value's lock: this very value
    return ref;
  }
  /// A value newer than the last one seen was sent.
  bool has_changed() const noexcept { return shared_ != nullptr && shared_->version() != seen_; }
  /// `co_await rx.changed()`: completes (and marks the value seen) once a value newer than
  /// the last one seen is there, at once if it is already; broken_pipe once the Sender
  /// is gone and the last value was seen.
  Changed<T> changed() noexcept { return Changed<T>(shared_, &seen_); }

 private:
  template <class U>
  friend class Sender;
  template <class U>
  friend std::pair<Sender<U>, Receiver<U>> channel(U initial);
  Receiver(detail::Shared<T>* s, std::uint64_t seen) noexcept : shared_(s), seen_(seen) {}
  detail::Shared<T>* shared_ = nullptr;
  std::uint64_t seen_ = 0;
};

/// The sending end: replaces or modifies the value and wakes the receivers. Move-only.
template <class T>
class Sender {
 public:
  Sender() noexcept = default;
  /// Made by channel() (the shared state is internal).
  explicit Sender(detail::Shared<T>* s) noexcept : shared_(s) {}
  /// Movable; the moved-from Sender is empty.
  Sender(Sender&& other) noexcept : shared_(std::exchange(other.shared_, nullptr)) {}
  /// Takes over `other`'s end; the one this held is released.
  Sender& operator=(Sender&& other) noexcept {
    std::swap(shared_, other.shared_);
    return *this;
  }
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;
  /// The receivers' changed() fail with broken_pipe once they have seen the last value.
  ~Sender() {
    if (shared_ != nullptr) shared_->drop_sender();
  }

  /// False once moved from (or default-made).
  bool valid() const noexcept { return shared_ != nullptr; }
  /// Stores `value` and wakes the receivers; broken_pipe if there are none (stored anyway).
  std::error_code send(T value) {
    return send_modify([&value](T& current) { current = std::move(value); });
  }
  /// Calls f(T&) under the write lock, then wakes the receivers.
  template <class F>
  std::error_code send_modify(F f) {
    if (shared_ == nullptr) return std::make_error_code(std::errc::invalid_argument);
    {
      std::unique_lock lock(shared_->value_lock);
      f(shared_->value);
      shared_->bump_version();
    }
    shared_->wake_all();
    if (shared_->receiver_count() == 0) return std::make_error_code(std::errc::broken_pipe);
    return {};
  }
  /// The current value.
  Ref<T> borrow() const { return Ref<T>(shared_); }
  /// A new receiver that has seen the current value.
  Receiver<T> subscribe() {
    if (shared_ == nullptr) return {};
    shared_->add_receiver();
    std::shared_lock lock(shared_->value_lock);
    return Receiver<T>(shared_, shared_->version());
  }
  /// The receivers that exist now (a snapshot).
  std::size_t receiver_count() const noexcept {
    return shared_ == nullptr ? 0 : shared_->receiver_count();
  }

 private:
  detail::Shared<T>* shared_ = nullptr;
};

/// A channel holding `initial`, which its first receiver has seen.
template <class T>
std::pair<Sender<T>, Receiver<T>> channel(T initial) {
  auto* s = new detail::Shared<T>(std::move(initial));
  return {Sender<T>(s), Receiver<T>(s, 0)};
}

}  // namespace pollux::exec::watch
