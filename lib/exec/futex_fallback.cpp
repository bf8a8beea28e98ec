// SPDX-License-Identifier: MIT
// The portable backend: a fixed table of mutex + condition variable buckets, hashed by the
// word's address (the way parking_lot and libc++'s atomic wait share a few slots among all
// addresses). Built on every host so that it is tested everywhere.
//
// No lost wake-up: a waiter compares the word under its bucket's mutex, and a waker takes
// the same mutex after changing the word and before notifying, so the waker either runs
// before the comparison (which then sees the new value) or after the waiter sleeps (which
// is then notified). Buckets are shared, so a wake notifies all of a bucket's sleepers;
// the others see their own word unchanged and sleep again (a spurious wake, allowed).

#include <array>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <new>

#include "futex.hpp"

namespace pollux::inline POLLUX_ABI()::exec::sys {

namespace {

constexpr std::size_t kBuckets = 64;
constexpr std::chrono::hours kLongestSlice{24};

struct alignas(64) Bucket {
  std::mutex mutex;
  std::condition_variable cv;
};

Bucket& bucket_for(const void* word) noexcept {
  static std::array<Bucket, kBuckets> buckets;
  // Fibonacci hashing: the top bits of address * 2^64/phi spread neighbouring words
  // (a worker's Parkers are often adjacent) over different buckets.
  static_assert(kBuckets == 64);
  const auto address = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(word));
  return buckets[static_cast<std::size_t>((address * 0x9E3779B97F4A7C15ull) >> 58)];
}

WaitStatus fallback_wait(std::atomic<std::uint32_t>& word,
                         std::uint32_t expected,
                         const Deadline* deadline) noexcept {
  Bucket& bucket = bucket_for(&word);
  std::unique_lock lock(bucket.mutex);
  if (word.load(std::memory_order_relaxed) != expected) return WaitStatus::woken;
  if (deadline == nullptr) {
    bucket.cv.wait(lock);
    return WaitStatus::woken;
  }
  // condition_variable converts a steady_clock deadline to its own clock where it has no
  // monotonic wait (mingw-w64), and the conversion overflows near the clock's limits: keep
  // both ends in range. A slice that ends before the deadline is a spurious wake.
  const Deadline now = Deadline::clock::now();
  if (*deadline <= now) return WaitStatus::timed_out;
  const Deadline until = *deadline - now > kLongestSlice ? now + kLongestSlice : *deadline;
  if (bucket.cv.wait_until(lock, until) == std::cv_status::no_timeout) return WaitStatus::woken;
  return until == *deadline ? WaitStatus::timed_out : WaitStatus::woken;
}

void fallback_wake_one(void* address) noexcept {
  // Only the bucket table is touched, never the word.
  Bucket& bucket = bucket_for(address);
  {
    std::lock_guard lock(bucket.mutex);
  }
  bucket.cv.notify_all();
}

bool fallback_available() noexcept {
  return true;
}

}  // namespace

const FutexOps kFallbackFutex = {
    "fallback", fallback_wait, fallback_wake_one, nullptr, fallback_available,
};

}  // namespace pollux::exec::sys
