// SPDX-License-Identifier: MIT
#pragma once
// oneshot: a channel for a single value from one task to another (tokio's
// sync::oneshot).
//
//   auto [tx, rx] = oneshot::channel<int>();
//   spawn(compute(std::move(tx)));                // ... tx.send(42) ...
//   auto [ec, value] = co_await rx;               // value: std::optional<int>
//
// - tx.send(v): delivers v; if the receiver is gone (or send was called already) the
//   error says so and v comes back in the result.
// - co_await rx (or rx.recv()): the value, or std::errc::broken_pipe when the sender
//   was dropped without sending (or the value was received already).
// - rx.try_recv(): the same without waiting; std::errc::resource_unavailable_try_again
//   while the sender may still send.
// - Dropping rx (or rx.close()) makes later sends fail; co_await tx.closed() waits for it.
// The value is moved twice (into the channel, out of it); the channel's one shared
// block is allocated by channel(), never per wait, from the runtime's per-thread pool of
// small blocks (a channel made and dropped per request costs no malloc/free).
//
// Cancel safety: recv() is cancel-safe: a task dropped while it waits loses nothing;
// a value sent meanwhile stays in the channel for the next recv()/try_recv().
// tx.closed() is cancel-safe too. One task waits on each end at a time; a second
// concurrent recv() (or closed()) completes at once with std::errc::device_or_resource_busy.

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <mutex>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/task_header.hpp>  // cell_allocate, coop_try_consume
#include <pollux/exec/sync/channel_result.hpp>
#include <pollux/exec/detail/wait_slot.hpp>
#include <pollux/exec/detail/waker.hpp>

namespace pollux::inline POLLUX_ABI()::exec::oneshot {

// The result types are the channels' common ones (<pollux/exec/sync/channel_result.hpp>).
using pollux::exec::RecvResult;
using pollux::exec::SendResult;

namespace detail {

using pollux::exec::detail::Waker;

// The part of the shared block that does not depend on T: one atomic word (the flags
// and the reference count, one for each end), and the two waiting slots. Sending,
// receiving a value that is there and dropping the ends are operations on the word;
// the lock is taken only to wait, or to wake a waiter the word says is there.
class POLLUX_EXEC_API Core {
 public:
  using Destroy = void (*)(Core*) noexcept;
  explicit Core(Destroy destroy) noexcept : destroy_(destroy) {}
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // The ends going away; each drops its reference. Inline: one read-modify-write each
  // (and one for the reference), the lock only when the word says someone waits.
  void drop_sender() noexcept {
    const std::uint32_t prev = state_.fetch_or(kSenderGone, std::memory_order_acq_rel);
    if ((prev & kRecvWaits) != 0) sender_gone(prev);
    unref();
  }
  void drop_receiver() noexcept {
    close_receiver();
    unref();
  }
  // Receiver::close(): sends fail from now on; the receiver stays.
  void close_receiver() noexcept {
    const std::uint32_t prev = state_.fetch_or(kClosed, std::memory_order_acq_rel);
    if ((prev & (kClosed | kClosedWaits)) == kClosedWaits) wake_closed();
  }
  bool receiver_gone() noexcept { return (state_.load(std::memory_order_acquire) & kClosed) != 0; }

  // Sender side: may a value be stored now (std::errc{}), or why not? Then the caller
  // stores it and publishes it; publish() fails (false: the caller takes the value
  // back) if the receiver closed meanwhile, and wakes a waiting receiver.
  std::errc can_send() const noexcept {
    // Only the sender sets kSent: no race on it. kClosed is checked again by publish().
    const std::uint32_t s = state_.load(std::memory_order_relaxed);
    if ((s & kSent) != 0) return std::errc::operation_not_permitted;
    if ((s & kClosed) != 0) return std::errc::broken_pipe;
    return {};
  }
  bool publish() noexcept {
    std::uint32_t s = state_.load(std::memory_order_relaxed);
    do {
      if ((s & kClosed) != 0) return false;
      // release: the stored value is visible to whoever sees kSent.
    } while (!state_.compare_exchange_strong(s, s | kSent, std::memory_order_acq_rel,
                                             std::memory_order_relaxed));
    if ((s & kRecvWaits) != 0) wake_receiver();
    return true;
  }
  // Receiver side: has the value (true: the caller moves it out; `ec` is left as it
  // was, empty), or why not (in `ec`).
  bool take(std::error_code& ec) noexcept {
    std::uint32_t s = state_.load(std::memory_order_acquire);
    if ((s & (kSent | kTaken)) == kSent) {
      // Two receives racing on one Receiver: only one gets the value.
      s = state_.fetch_or(kTaken, std::memory_order_acquire);
      if ((s & kTaken) == 0) return true;
    }
    ec = take_error(s);
    return false;
  }

 private:
  friend class RecvWait;
  friend class ClosedWait;
  // state_'s flags; the rest counts the ends still held, in kRef units.
  static constexpr std::uint32_t kSent = 1;        // the value is stored (and published)
  static constexpr std::uint32_t kTaken = 2;       // ... and received
  static constexpr std::uint32_t kSenderGone = 4;
  static constexpr std::uint32_t kClosed = 8;      // receiver closed or dropped
  static constexpr std::uint32_t kRecvWaits = 16;  // receiver_ may hold a waker
  static constexpr std::uint32_t kClosedWaits = 32;  // closed_ may hold a waker
  static constexpr std::uint32_t kRef = 64;
  // recv() has nothing to wait for.
  static bool settled(std::uint32_t s) noexcept {
    return (s & (kSent | kTaken | kSenderGone | kClosed)) != 0;
  }
  void unref() noexcept {
    // acq_rel: the last end sees everything the other did to the block before it goes.
    if (state_.fetch_sub(kRef, std::memory_order_acq_rel) / kRef == 1) destroy_(this);
  }
  // The slow paths (oneshot.cpp): a waiter to wake, an error to build.
  void sender_gone(std::uint32_t prev) noexcept;
  void wake_receiver() noexcept;
  void wake_closed() noexcept;
  static std::error_code take_error(std::uint32_t s) noexcept;
  void wake_slot(pollux::exec::detail::WaitSlot& slot) noexcept;

  Destroy destroy_;
  std::atomic<std::uint32_t> state_{2 * kRef};
  std::mutex mutex_;
  pollux::exec::detail::WaitSlot receiver_;  // the waiting recv(), guarded by mutex_
  pollux::exec::detail::WaitSlot closed_;    // the waiting closed(), guarded by mutex_
};

template <class T>
struct Shared final : Core {
  Shared() noexcept : Core(&destroy) {}
  static void destroy(Core* c) noexcept { delete static_cast<Shared*>(c); }
  // The block comes from the per-thread pool that task cells use (malloc and free were
  // a third of a channel's cost); it may be freed on another thread than it was made.
  static void* operator new(std::size_t size) { return pollux::exec::detail::cell_allocate(size); }
  static void operator delete(void* p, std::size_t size) noexcept {
    pollux::exec::detail::cell_deallocate(p, size);
  }
  // Written by the sender before kSent is published (or taken back when that fails);
  // then read by the receiver alone.
  std::optional<T> value;
};

// The waiting half of recv(), shared by every T: the outcome is read under the lock in
// the typed await_resume.
class POLLUX_EXEC_API RecvWait {
 public:
  explicit RecvWait(Core* core) noexcept : core_(core) {}
  RecvWait(const RecvWait&) = delete;
  RecvWait& operator=(const RecvWait&) = delete;
  ~RecvWait();
  // The common case, inline: the value is there (or can no longer come) and the task
  // has budget: it goes on at once and takes the outcome in await_resume.
  bool await_ready() const noexcept {
    return core_ == nullptr || (Core::settled(core_->state_.load(std::memory_order_acquire)) &&
                                pollux::exec::detail::coop_try_consume());
  }
  bool await_suspend(std::coroutine_handle<> h) noexcept;

 protected:
  Core* core_;
  bool busy_ = false;  // another recv() waits: this one fails at once
  bool waiting_ = false;
};

class POLLUX_EXEC_API ClosedWait {
 public:
  explicit ClosedWait(Core* core) noexcept : core_(core) {}
  ClosedWait(const ClosedWait&) = delete;
  ClosedWait& operator=(const ClosedWait&) = delete;
  ~ClosedWait();
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h) noexcept;
  /// Empty once the receiver is gone; device_or_resource_busy, invalid_argument.
  std::error_code await_resume() const noexcept { return error_; }

 private:
  Core* core_;
  std::error_code error_;
  bool waiting_ = false;
};

template <class T>
class RecvAwaiter : public RecvWait {
 public:
  using RecvWait::RecvWait;
  RecvResult<T> await_resume() noexcept(std::is_nothrow_move_constructible_v<T>) {
    RecvResult<T> r;
    if (core_ == nullptr) {
      r.error = std::make_error_code(std::errc::invalid_argument);
    } else if (busy_) {
      r.error = std::make_error_code(std::errc::device_or_resource_busy);
    } else if (core_->take(r.error)) {
      auto* shared = static_cast<Shared<T>*>(core_);
      r.value.emplace(std::move(*shared->value));
      shared->value.reset();
    }
    return r;
  }
};

}  // namespace detail

template <class T>
class Receiver;

/// closed()'s awaitable, only as a temporary: `co_await tx.closed()`.
class [[nodiscard]] Closed {
 public:
  /// Made by Sender::closed() (the core is internal).
  explicit Closed(detail::Core* core) noexcept : core_(core) {}
  Closed(const Closed&) = delete;
  Closed& operator=(const Closed&) = delete;
  /// Awaited as a temporary, where it is made: the call that made it says what it gives.
  detail::ClosedWait operator co_await() && noexcept { return detail::ClosedWait(core_); }

 private:
  detail::Core* core_;
};

/// The sending end of a oneshot channel: send() one value, once. Move-only.
template <class T>
class [[nodiscard]] Sender {
 public:
  Sender() noexcept = default;
  /// Movable; the moved-from Sender is empty.
  Sender(Sender&& other) noexcept : shared_(std::exchange(other.shared_, nullptr)) {}
  /// Takes over `other`'s end; the one this held is released.
  Sender& operator=(Sender&& other) noexcept {
    if (this != &other) {
      reset();
      shared_ = std::exchange(other.shared_, nullptr);
    }
    return *this;
  }
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;
  /// Without a send before, the receiver sees std::errc::broken_pipe.
  ~Sender() { reset(); }

  /// False once moved from (or default-made).
  bool valid() const noexcept { return shared_ != nullptr; }

  /// Delivers `value`. Fails (giving it back) with broken_pipe when the receiver is
  /// gone, operation_not_permitted when a value was sent already, invalid_argument on
  /// an empty Sender.
  SendResult<T> send(T value) {
    SendResult<T> r;
    if (shared_ == nullptr) {
      r.error = std::make_error_code(std::errc::invalid_argument);
      r.value.emplace(std::move(value));
      return r;
    }
    if (const std::errc refused = shared_->can_send(); refused != std::errc{}) {
      r.error = std::make_error_code(refused);
      r.value.emplace(std::move(value));
      return r;
    }
    shared_->value.emplace(std::move(value));
    if (!shared_->publish()) {
      // The receiver closed before it could see the value: it is ours again.
      r.error = std::make_error_code(std::errc::broken_pipe);
      r.value.emplace(std::move(*shared_->value));
      shared_->value.reset();
    }
    return r;
  }

  /// The receiver was dropped or closed: a send would fail.
  bool is_closed() const noexcept { return shared_ == nullptr || shared_->receiver_gone(); }

  /// `std::error_code ec = co_await tx.closed();` completes once the receiver is gone.
  Closed closed() noexcept { return Closed(shared_); }

 private:
  template <class U>
  friend std::pair<Sender<U>, Receiver<U>> channel();
  explicit Sender(detail::Shared<T>* s) noexcept : shared_(s) {}
  void reset() noexcept {
    if (shared_ != nullptr) std::exchange(shared_, nullptr)->drop_sender();
  }
  detail::Shared<T>* shared_ = nullptr;
};

/// recv()'s awaitable, only as a temporary: `co_await rx.recv()`.
template <class T>
class [[nodiscard]] Recv {
 public:
  Recv(const Recv&) = delete;
  Recv& operator=(const Recv&) = delete;
  /// Awaited as a temporary, where it is made: the call that made it says what it gives.
  detail::RecvAwaiter<T> operator co_await() && noexcept { return detail::RecvAwaiter<T>(core_); }

 private:
  friend class Receiver<T>;
  explicit Recv(detail::Core* core) noexcept : core_(core) {}
  detail::Core* core_;
};

/// The receiving end of a oneshot channel: `co_await rx.recv()` (or `co_await rx`) for
/// the value. Move-only.
template <class T>
class [[nodiscard]] Receiver {
 public:
  Receiver() noexcept = default;
  /// Movable; the moved-from Receiver is empty.
  Receiver(Receiver&& other) noexcept : shared_(std::exchange(other.shared_, nullptr)) {}
  /// Takes over `other`'s end; the one this held is released.
  Receiver& operator=(Receiver&& other) noexcept {
    if (this != &other) {
      reset();
      shared_ = std::exchange(other.shared_, nullptr);
    }
    return *this;
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;
  /// Later sends fail; a value sent already is destroyed with the channel.
  ~Receiver() { reset(); }

  /// False once moved from (or default-made).
  bool valid() const noexcept { return shared_ != nullptr; }

  ///@{
  /// `co_await rx.recv()` or `co_await rx`: the value (a RecvResult), waiting for it;
  /// broken_pipe when the Sender was dropped without sending. Cancel-safe.
  Recv<T> recv() noexcept { return Recv<T>(shared_); }
  detail::RecvAwaiter<T> operator co_await() & noexcept { return detail::RecvAwaiter<T>(shared_); }
  ///@}

  /// The value if it was sent; otherwise resource_unavailable_try_again while the
  /// sender may still send, broken_pipe once it cannot.
  RecvResult<T> try_recv() noexcept(std::is_nothrow_move_constructible_v<T>) {
    RecvResult<T> r;
    if (shared_ == nullptr) {
      r.error = std::make_error_code(std::errc::invalid_argument);
      return r;
    }
    if (shared_->take(r.error)) {
      r.value.emplace(std::move(*shared_->value));
      shared_->value.reset();
    }
    return r;
  }

  /// Refuses the value from now on (sends fail) without dropping the receiver; a value
  /// sent before stays receivable.
  void close() noexcept {
    if (shared_ != nullptr) shared_->close_receiver();
  }

 private:
  template <class U>
  friend std::pair<Sender<U>, Receiver<U>> channel();
  explicit Receiver(detail::Shared<T>* s) noexcept : shared_(s) {}
  void reset() noexcept {
    if (shared_ != nullptr) std::exchange(shared_, nullptr)->drop_receiver();
  }
  detail::Shared<T>* shared_ = nullptr;
};

/// A new channel: `auto [tx, rx] = oneshot::channel<T>();` (allocates its one block).
template <class T>
std::pair<Sender<T>, Receiver<T>> channel() {
  auto* shared = new detail::Shared<T>();
  return {Sender<T>(shared), Receiver<T>(shared)};
}

}  // namespace pollux::exec::oneshot
