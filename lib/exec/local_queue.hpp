// SPDX-License-Identifier: MIT
#pragma once
// A worker's bounded run queue: one producer (its worker), many consumers (the worker
// popping from the front, thieves taking half from the front), after tokio's queue.
//
// `head_` packs two 32-bit indices: `real`, the next task to hand out, and `steal`, the
// first task a thief is still copying. steal != real means a steal is in progress: the
// owner keeps popping from `real`, but must not overwrite slots from `steal` on, and a
// second thief backs off. `tail_` is written by the owner only. Indices wrap; the
// capacity is a power of two so that (index & kMask) stays right across the wrap.

#include <array>
#include <atomic>
#include <cstdint>

#include <pollux/exec/detail/task_header.hpp>

#include "injection_queue.hpp"
#include "task_state.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

class LocalQueue {
 public:
  static constexpr std::uint32_t kCapacity = 256;

  bool has_tasks() const noexcept {
    const auto [steal, real] = unpack(head_.load(std::memory_order_acquire));
    (void)steal;
    return tail_.load(std::memory_order_acquire) != real;
  }

  // Owner only. When full, moves half of the queue plus `task` to `inject` in one batch
  // (so that other workers can take them) and returns true; a closed injection queue
  // drops the batch's references, as shutdown will cancel those tasks anyway.
  bool push_back_or_overflow(TaskHeader* task, InjectionQueue& inject) noexcept {
    for (;;) {
      const std::uint64_t head = head_.load(std::memory_order_acquire);
      const auto [steal, real] = unpack(head);
      const std::uint32_t tail = tail_.load(std::memory_order_relaxed);
      if (tail - steal < kCapacity) {
        slots_[tail & kMask].store(task, std::memory_order_relaxed);
        tail_.store(tail + 1, std::memory_order_release);
        return false;
      }
      if (steal != real) {
        // A thief is copying and will free room soon; don't wait for it.
        push_or_drop(task, task, 1, inject);
        return true;
      }
      if (push_overflow(task, real, inject)) return true;
      // A thief got in between: retry with the new head.
    }
  }

  // Owner only.
  TaskHeader* pop() noexcept {
    std::uint64_t head = head_.load(std::memory_order_acquire);
    for (;;) {
      const auto [steal, real] = unpack(head);
      if (real == tail_.load(std::memory_order_relaxed)) return nullptr;
      const std::uint32_t next_real = real + 1;
      // With no steal in progress, both indices move together.
      const std::uint64_t next = steal == real ? pack(next_real, next_real) : pack(steal, next_real);
      if (head_.compare_exchange_weak(head, next, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
        return slots_[real & kMask].load(std::memory_order_relaxed);
      }
    }
  }

  // Called by the worker that owns `dst`: moves half of this queue's tasks into `dst`
  // and returns one of them to run, or null. Returns the number moved in `moved`.
  TaskHeader* steal_into(LocalQueue& dst, std::uint32_t& moved) noexcept {
    moved = 0;
    const std::uint32_t dst_tail = dst.tail_.load(std::memory_order_relaxed);
    const auto [dst_steal, dst_real] = unpack(dst.head_.load(std::memory_order_acquire));
    (void)dst_real;
    if (dst_tail - dst_steal > kCapacity / 2) return nullptr;  // no room for half of ours

    std::uint32_t n = steal_into_slots(dst, dst_tail);
    if (n == 0) return nullptr;
    moved = n;
    --n;  // the last one copied is returned rather than queued
    TaskHeader* ret = dst.slots_[(dst_tail + n) & kMask].load(std::memory_order_relaxed);
    if (n > 0) dst.tail_.store(dst_tail + n, std::memory_order_release);
    return ret;
  }

 private:
  static constexpr std::uint32_t kMask = kCapacity - 1;

  struct Indices {
    std::uint32_t steal;
    std::uint32_t real;
  };
  static Indices unpack(std::uint64_t v) noexcept {
    return {static_cast<std::uint32_t>(v >> 32), static_cast<std::uint32_t>(v)};
  }
  static std::uint64_t pack(std::uint32_t steal, std::uint32_t real) noexcept {
    return std::uint64_t{steal} << 32 | real;
  }

  static void push_or_drop(TaskHeader* first, TaskHeader* last, std::uint32_t n,
                           InjectionQueue& inject) noexcept {
    if (inject.push_batch(first, last, n)) return;
    for (TaskHeader* t = first; n > 0; --n) {
      TaskHeader* next = t->queue_next;
      drop_queue_entry(t);
      t = next;
    }
  }

  bool push_overflow(TaskHeader* task, std::uint32_t head, InjectionQueue& inject) noexcept {
    constexpr std::uint32_t kHalf = kCapacity / 2;
    // Claim the oldest half; fails when a thief moved head meanwhile.
    std::uint64_t expected = pack(head, head);
    if (!head_.compare_exchange_strong(expected, pack(head + kHalf, head + kHalf),
                                       std::memory_order_release, std::memory_order_relaxed)) {
      return false;
    }
    TaskHeader* first = slots_[head & kMask].load(std::memory_order_relaxed);
    TaskHeader* prev = first;
    for (std::uint32_t i = 1; i < kHalf; ++i) {
      TaskHeader* t = slots_[(head + i) & kMask].load(std::memory_order_relaxed);
      prev->queue_next = t;
      prev = t;
    }
    prev->queue_next = task;
    push_or_drop(first, task, kHalf + 1, inject);
    return true;
  }

  std::uint32_t steal_into_slots(LocalQueue& dst, std::uint32_t dst_tail) noexcept {
    std::uint64_t prev = head_.load(std::memory_order_acquire);
    std::uint64_t next;
    std::uint32_t n;
    for (;;) {
      const auto [src_steal, src_real] = unpack(prev);
      if (src_steal != src_real) return 0;  // another thief is at work
      const std::uint32_t src_tail = tail_.load(std::memory_order_acquire);
      n = src_tail - src_real;
      n -= n / 2;
      if (n == 0) return 0;
      next = pack(src_steal, src_real + n);
      if (head_.compare_exchange_weak(prev, next, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
        break;
      }
    }
    const std::uint32_t first = unpack(next).steal;
    for (std::uint32_t i = 0; i < n; ++i) {
      TaskHeader* t = slots_[(first + i) & kMask].load(std::memory_order_relaxed);
      dst.slots_[(dst_tail + i) & kMask].store(t, std::memory_order_relaxed);
    }
    // Done copying: let `steal` catch up with `real` (which the owner may have moved).
    prev = next;
    for (;;) {
      const std::uint32_t real = unpack(prev).real;
      if (head_.compare_exchange_weak(prev, pack(real, real), std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
        return n;
      }
    }
  }

  alignas(64) std::atomic<std::uint64_t> head_{0};
  alignas(64) std::atomic<std::uint32_t> tail_{0};
  std::array<std::atomic<TaskHeader*>, kCapacity> slots_{};
};

}  // namespace pollux::exec::detail
