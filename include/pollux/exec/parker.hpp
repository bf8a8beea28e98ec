#pragma once
// Parker: blocks one thread until another thread unparks it. The executor's idle workers
// sleep on one each.
//
// The contract:
// - One thread, the owner, calls park/park_until/park_for; any thread may call unpark.
// - unpark() leaves one token: the next park returns at once and consumes it; several
//   unparks before one park merge into one token.
// - A park that returns because of an unpark, or that consumed the token, synchronizes
//   with that unpark: whatever the unparking thread wrote before unpark() is visible to
//   the parked thread after park returns.
// - park() returns only after an unpark (no spurious returns). park_until/park_for return
//   true when they consumed an unpark, false when the deadline passed first; a false
//   return leaves no token behind, and an unpark that raced with the timeout is reported
//   as true rather than lost.
// - The Parker must outlive every unpark() call on it that has started.
//
// The backend (futex, WaitOnAddress, NT keyed events or the portable mutex + condition
// variable) is chosen once per process and fixed for each Parker when it is constructed;
// the environment variable POLLUX_EXEC_PARKER=futex|waitonaddress|keyed|fallback forces
// one (an unknown or unavailable name is ignored).

#include <atomic>
#include <chrono>
#include <cstdint>

#include <pollux/exec/config.hpp>

namespace pollux::exec {

namespace sys {
struct FutexOps;
}

class POLLUX_EXEC_API Parker {
 public:
  Parker() noexcept;
  ~Parker();
  Parker(const Parker&) = delete;
  Parker& operator=(const Parker&) = delete;

  /// Blocks until unparked; returns at once if an unpark came first.
  void park() noexcept;
  /// true: unparked (or an earlier unpark's token was consumed); false: timed out.
  bool park_until(std::chrono::steady_clock::time_point deadline) noexcept;
  /// park_until(now + timeout); a zero or negative timeout only consumes a pending token.
  bool park_for(std::chrono::nanoseconds timeout) noexcept;
  /// Wakes the owner if it is parked, or makes its next park return at once.
  void unpark() noexcept;

 private:
  std::atomic<std::uint32_t> state_;
  const sys::FutexOps* ops_;
};

}  // namespace pollux::exec
