// SPDX-License-Identifier: MIT
#pragma once
// Which workers sleep, and how many look for work, after tokio's `Idle`. The counts
// live in one atomic word so that the hot question "should anyone be woken?" is one
// load; the list of sleepers is under a mutex taken only to park or to wake.
//
// The rules that avoid both lost wake-ups and a thundering herd:
// - New work wakes a sleeper only when no worker is searching (a searcher will find
//   it) and not all workers are awake; and then exactly one.
// - At most half the workers search at once.
// - The last searcher to give up re-checks every queue after it has counted itself out
//   (publisher: push, fence, read counts; parker: write counts, fence, read queues: one
//   of the two sees the other), and a searcher that finds work wakes the next one.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

class Idle {
 public:
  explicit Idle(std::size_t workers);

  // Publisher side, after the work is visible.
  std::optional<std::size_t> worker_to_notify() noexcept;
  // The worker goes to sleep; true if it was the last searcher (it must re-check).
  bool transition_worker_to_parked(std::size_t worker, bool is_searching) noexcept;
  bool transition_worker_to_searching() noexcept;
  // true if it was the last searcher (it must wake another to keep looking).
  bool transition_worker_from_searching() noexcept;
  // Still on the sleeper list (its wake-up was spurious, or came from shutdown)?
  bool is_parked(std::size_t worker) noexcept;
  // A parked worker found work of its own (the I/O driver or a timer woke tasks on its
  // thread) and leaves the sleeper list. true: it was still there and is now counted
  // awake, not searching; false: a notifier took it off first, counting it searching.
  bool unpark_worker_by_id(std::size_t worker) noexcept;
  std::size_t num_searching() const noexcept {
    return state_.load(std::memory_order_seq_cst) & kSearchMask;
  }
  // Is some worker awake and not searching, that is running tasks, which may queue work
  // for a searcher to steal? A hint (relaxed): it decides whether searching is worth
  // another round, never whether work is lost.
  bool has_running_worker() const noexcept {
    const std::uint64_t s = state_.load(std::memory_order_relaxed);
    return (s >> kUnparkShift) > (s & kSearchMask);
  }

 private:
  static constexpr int kUnparkShift = 32;
  static constexpr std::uint64_t kSearchMask = (std::uint64_t{1} << kUnparkShift) - 1;
  static constexpr std::uint64_t kUnparkOne = std::uint64_t{1} << kUnparkShift;

  bool notify_should_wakeup() const noexcept;

  const std::size_t num_workers_;
  std::atomic<std::uint64_t> state_;
  std::mutex mutex_;
  std::vector<std::size_t> sleepers_;
};

}  // namespace pollux::exec::detail
