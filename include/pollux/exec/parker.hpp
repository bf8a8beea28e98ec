// SPDX-License-Identifier: MIT
#pragma once
// Parker: blocks one thread until another thread unparks it. The executor's idle workers
// sleep on one each.
//
// The contract:
// - One thread, the owner, calls prepare_park/park/park_until/park_for/timed_out; any
//   thread may call unpark or unpark_lock.
// - unpark() leaves one token: the next park returns at once and consumes it; several
//   unparks before one park merge into one token.
// - A park that returns because of an unpark, or that consumed the token, synchronizes
//   with that unpark: whatever the unparking thread wrote before unpark() is visible to
//   the parked thread after park returns.
// - park() returns only after an unpark (no spurious returns). park_until/park_for return
//   true when they consumed an unpark, false when the deadline passed first; a false
//   return leaves no token behind, and an unpark that raced with the timeout is reported
//   as true rather than lost.
// - The Parker must outlive every unpark() call on it that has started, and every
//   unpark_lock() call; an UnparkHandle may outlive it (below).
//
// Two-phase unpark (parking_lot_core's ThreadParker protocol, on the same token):
// unpark() is unpark_lock().unpark(). unpark_lock() makes the state change (leaves the
// token) and returns an UnparkHandle that says whether the owner sleeps and so is owed an
// OS wake; UnparkHandle::unpark() issues that wake. A waker that holds a lock takes the
// handle under it and wakes after releasing it, so the woken thread does not run straight
// into the held lock (collect handles under the lock, wake after: tokio's WakeList).
// - Lifetime: once unpark_lock() has returned, the owner may wake (spuriously, or from a
//   timed wait) and destroy the Parker before the handle is used. The handle therefore
//   keeps only the word's address and the backend, and its unpark() never reads or writes
//   the Parker's memory: a futex wake or WakeByAddressSingle on an address that may be
//   freed or reused (harmless: at worst a spurious wake of whoever waits there now, which
//   every waiter tolerates), a keyed-event release by key, or a wake of the fallback's
//   hashed bucket.
// - With NT keyed events the owner cannot leave before the handle's release (every
//   release is matched by exactly one wait, also when a timed wait races with
//   unpark_lock), so a handle held for long holds the owner up; a handle that is
//   destroyed unused wakes on its way out.
// - The one-shot waiting side: prepare_park() discards a stale token, so that only an
//   unpark that comes after it ends the next park (the owner calls it before it publishes
//   itself where wakers look, e.g. a wait queue). Then park()/park_until() as usual; after
//   a park_until that returned false, timed_out(), called where no unpark of this owner
//   can race (under the wakers' lock), says whether the owner really timed out or an
//   unpark arrived in between (which it then consumes).
//
// The backend (futex, WaitOnAddress, NT keyed events or the portable mutex + condition
// variable) is chosen once per process and fixed for each Parker when it is constructed;
// the environment variable POLLUX_EXEC_PARKER=futex|waitonaddress|keyed|fallback forces
// one (an unknown or unavailable name is ignored).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <utility>

#include <pollux/exec/config.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

namespace sys {
struct FutexOps;
}

class Parker;

/// The OS wake owed by an unpark_lock(); see the two-phase rules above. Move-only; unpark()
/// wakes at most once, and the destructor wakes if unpark() was not called.
class POLLUX_EXEC_API UnparkHandle {
 public:
  /// A handle that owes nothing.
  UnparkHandle() noexcept = default;
  ///@{
  /// Movable: the owed wake moves; assigning over a handle first issues the wake it owed.
  UnparkHandle(UnparkHandle&& other) noexcept
      : ops_(other.ops_), address_(std::exchange(other.address_, nullptr)) {}
  UnparkHandle& operator=(UnparkHandle&& other) noexcept {
    if (this != &other) {
      unpark();
      ops_ = other.ops_;
      address_ = std::exchange(other.address_, nullptr);
    }
    return *this;
  }
  ///@}
  ~UnparkHandle() { unpark(); }

  /// Whether the owner was parked when unpark_lock() ran, and unpark() still owes its wake.
  bool needs_wake() const noexcept { return address_ != nullptr; }
  /// Issues the OS wake if one is owed; touches nothing of the Parker but its address.
  void unpark() noexcept {
    if (address_ != nullptr) wake();
  }

 private:
  friend class Parker;
  UnparkHandle(const sys::FutexOps* ops, void* address) noexcept
      : ops_(ops), address_(address) {}
  void wake() noexcept;

  const sys::FutexOps* ops_ = nullptr;
  void* address_ = nullptr;
};

/// Blocks one thread, its owner, until another thread unparks it; an unpark before the park
/// leaves a token that makes the park return at once. The full contract (memory ordering,
/// the two-phase unpark, lifetimes, the per-OS backends) opens <pollux/exec/parker.hpp>.
class POLLUX_EXEC_API Parker {
 public:
  Parker() noexcept;
  ~Parker();
  Parker(const Parker&) = delete;
  Parker& operator=(const Parker&) = delete;

  /// Starts a one-shot park: drops a token left by an earlier unpark, so that the next
  /// park waits for an unpark that comes after this call.
  void prepare_park() noexcept;
  /// Blocks until unparked; returns at once if an unpark came first.
  void park() noexcept;
  /// true: unparked (or an earlier unpark's token was consumed); false: timed out.
  bool park_until(std::chrono::steady_clock::time_point deadline) noexcept;
  /// park_until(now + timeout); a zero or negative timeout only consumes a pending token.
  bool park_for(std::chrono::nanoseconds timeout) noexcept;
  /// After a park_until/park_for that returned false: true if no unpark has come since;
  /// false if one has (its token is consumed, as if the park had returned true). Call it
  /// where no unpark of this owner can race, e.g. under the lock that wakers take.
  bool timed_out() noexcept;

  /// The state change of an unpark (the token is left, and the owner may leave park from
  /// here on); the returned handle issues the OS wake, if one is owed, after the caller
  /// has released its locks.
  [[nodiscard]] UnparkHandle unpark_lock() noexcept;
  /// unpark_lock().unpark(): wakes the owner if it is parked, or makes its next park
  /// return at once.
  void unpark() noexcept;

 private:
  std::atomic<std::uint32_t> state_;
  const sys::FutexOps* ops_;
};

}  // namespace pollux::exec
