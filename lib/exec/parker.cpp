// SPDX-License-Identifier: MIT
// The Parker's state machine, written once over lib/exec/futex.hpp (the shape of Rust
// std's futex parker).
//
// One word, three states:
//   kEmpty     nobody is parked and no unpark is pending
//   kNotified  an unpark is pending; the next park consumes it
//   kParked    the owner is parked, or is about to be
// kParked is kEmpty - 1, so a single fetch_sub moves kNotified to kEmpty (consuming the
// token) or kEmpty to kParked (announcing the sleep).
//
// Memory orderings:
// - unpark() publishes with exchange(kNotified, release): everything the unparking thread
//   wrote before it is released together with the token.
// - Every operation of the owner that can take the token (the fetch_sub on entry, the
//   compare_exchange after a wake, the exchange after a timeout) is an acquire, so the
//   park that consumes the token synchronizes with the unpark that left it. Several
//   unparks in a row are all read-modify-writes on the word, so the last one's release
//   carries the earlier ones along (a release sequence) and none of their writes is lost.
// - The announcement kEmpty -> kParked needs no release: the unparker learns nothing from
//   it except that it owes a wake_one. What prevents a lost wake-up is not an ordering but
//   the backend's compare-and-sleep: wait(word, kParked) sleeps only if the word still
//   holds kParked, atomically with respect to wake_one, so an unpark that lands between the
//   announcement and the sleep makes the sleep return at once.
// - Waking says nothing by itself (futex wakes can be spurious); the owner leaves only on
//   reading kNotified with an acquire.
//
// Timeouts: a timed-out owner leaves with exchange(kEmpty). If that reads kNotified, an
// unparker saw kParked and has committed to a wake_one; the park reports "unparked" (the
// token is consumed, not lost) and, for backends whose wake blocks until it is taken (NT
// keyed events), takes it with consume_wake so the unparker does not block for ever.
//
// Two-phase unpark: unpark_lock() is unpark()'s exchange; the wake_one that unpark() owes
// when it read kParked moves into the returned UnparkHandle. The exchange is the last
// access to the Parker: the owner may read kNotified, leave and free the Parker at once,
// so ops_ is read before it, and the handle carries the word's address only as a key
// (wake_one takes a void*, never dereferenced).
//
// prepare_park() and timed_out() are the owner's own transitions between parks, where the
// word is kEmpty or kNotified: the first drops a token (a store, since a racing unpark is
// by definition one that came before), the second takes one (an acquire exchange, as any
// consumption of a token).

#include <pollux/exec/parker.hpp>

#include <limits>
#include <utility>

#include "futex.hpp"

namespace pollux::inline POLLUX_ABI()::exec {

namespace {
constexpr std::uint32_t kEmpty = 0;
constexpr std::uint32_t kNotified = 1;
constexpr std::uint32_t kParked = std::numeric_limits<std::uint32_t>::max();
static_assert(static_cast<std::uint32_t>(kEmpty - 1) == kParked);
}  // namespace

Parker::Parker() noexcept : state_(kEmpty), ops_(&sys::current_futex()) {}

Parker::~Parker() = default;

void Parker::park() noexcept {
  if (state_.fetch_sub(1, std::memory_order_acquire) == kNotified) return;
  for (;;) {
    ops_->wait(state_, kParked, nullptr);
    std::uint32_t notified = kNotified;
    if (state_.compare_exchange_strong(notified, kEmpty, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      return;
    }
  }
}

bool Parker::park_until(std::chrono::steady_clock::time_point deadline) noexcept {
  if (state_.fetch_sub(1, std::memory_order_acquire) == kNotified) return true;
  // Only a wait that says "woken" may take the token with the compare_exchange: after a
  // timeout the token may come with a wake still owed to us, which the exchange below
  // hands to consume_wake.
  while (ops_->wait(state_, kParked, &deadline) == sys::WaitStatus::woken) {
    std::uint32_t notified = kNotified;
    if (state_.compare_exchange_strong(notified, kEmpty, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      return true;
    }
  }
  if (state_.exchange(kEmpty, std::memory_order_acquire) == kNotified) {
    if (ops_->consume_wake != nullptr) ops_->consume_wake(state_);
    return true;
  }
  return false;
}

bool Parker::park_for(std::chrono::nanoseconds timeout) noexcept {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point now = Clock::now();
  if (timeout < std::chrono::nanoseconds::zero()) timeout = std::chrono::nanoseconds::zero();
  // Saturate: a timeout past the clock's range means no deadline at all.
  if (timeout > Clock::time_point::max() - now) {
    park();
    return true;
  }
  return park_until(now + std::chrono::duration_cast<Clock::duration>(timeout));
}

void Parker::prepare_park() noexcept {
  state_.store(kEmpty, std::memory_order_relaxed);
}

bool Parker::timed_out() noexcept {
  return state_.exchange(kEmpty, std::memory_order_acquire) != kNotified;
}

UnparkHandle Parker::unpark_lock() noexcept {
  const sys::FutexOps* const ops = ops_;
  void* const address = &state_;
  if (state_.exchange(kNotified, std::memory_order_release) == kParked) {
    return UnparkHandle(ops, address);
  }
  return UnparkHandle();
}

void Parker::unpark() noexcept {
  unpark_lock().unpark();
}

void UnparkHandle::wake() noexcept {
  ops_->wake_one(std::exchange(address_, nullptr));
}

}  // namespace pollux::exec
