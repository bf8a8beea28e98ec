// SPDX-License-Identifier: MIT
#include "idle.hpp"

#include <algorithm>

namespace pollux::inline POLLUX_ABI()::exec::detail {

Idle::Idle(std::size_t workers)
    : num_workers_(workers), state_(std::uint64_t{workers} << kUnparkShift) {
  sleepers_.reserve(workers);
}

bool Idle::notify_should_wakeup() const noexcept {
  // Pairs with the fence in the worker's last re-check: either it sees our work or we
  // see it counted out.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  const std::uint64_t s = state_.load(std::memory_order_seq_cst);
  return (s & kSearchMask) == 0 && (s >> kUnparkShift) < num_workers_;
}

std::optional<std::size_t> Idle::worker_to_notify() noexcept {
  if (!notify_should_wakeup()) return std::nullopt;
  std::lock_guard lock(mutex_);
  if (!notify_should_wakeup() || sleepers_.empty()) return std::nullopt;
  // The woken worker starts out searching; counting it now keeps a second publisher
  // from waking another one for the same work.
  state_.fetch_add(1 | kUnparkOne, std::memory_order_seq_cst);
  const std::size_t worker = sleepers_.back();
  sleepers_.pop_back();
  return worker;
}

bool Idle::transition_worker_to_parked(std::size_t worker, bool is_searching) noexcept {
  std::lock_guard lock(mutex_);
  const std::uint64_t dec = kUnparkOne | (is_searching ? 1 : 0);
  const std::uint64_t prev = state_.fetch_sub(dec, std::memory_order_seq_cst);
  sleepers_.push_back(worker);
  return is_searching && (prev & kSearchMask) == 1;
}

bool Idle::transition_worker_to_searching() noexcept {
  const std::uint64_t s = state_.load(std::memory_order_seq_cst);
  if (2 * (s & kSearchMask) >= num_workers_) return false;
  state_.fetch_add(1, std::memory_order_seq_cst);
  return true;
}

bool Idle::transition_worker_from_searching() noexcept {
  const std::uint64_t prev = state_.fetch_sub(1, std::memory_order_seq_cst);
  return (prev & kSearchMask) == 1;
}

bool Idle::is_parked(std::size_t worker) noexcept {
  std::lock_guard lock(mutex_);
  return std::find(sleepers_.begin(), sleepers_.end(), worker) != sleepers_.end();
}

bool Idle::unpark_worker_by_id(std::size_t worker) noexcept {
  std::lock_guard lock(mutex_);
  auto it = std::find(sleepers_.begin(), sleepers_.end(), worker);
  if (it == sleepers_.end()) return false;
  sleepers_.erase(it);
  state_.fetch_add(kUnparkOne, std::memory_order_seq_cst);
  return true;
}

}  // namespace pollux::exec::detail
