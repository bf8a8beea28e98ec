// SPDX-License-Identifier: MIT
#include "timer_wheel.hpp"

#include <bit>

namespace pollux::inline POLLUX_ABI()::exec::detail {

namespace {

constexpr std::uint64_t kSlotMask = TimerWheel::kSlots - 1;

constexpr std::uint64_t slot_range(int level) noexcept {
  return std::uint64_t{1} << (6 * level);
}
constexpr std::uint64_t level_range(int level) noexcept {
  return std::uint64_t{1} << (6 * (level + 1));
}

}  // namespace

// The level is where the highest bit that differs between now and the deadline lives:
// all timers of one level-0 slot expire at once, and a level-n slot covers 64^n ms.
int TimerWheel::level_for(std::uint64_t elapsed, std::uint64_t when) noexcept {
  std::uint64_t masked = (elapsed ^ when) | kSlotMask;
  if (masked >= kMaxDuration) masked = kMaxDuration - 1;
  const int significant = 63 - std::countl_zero(masked);
  return significant / 6;
}

bool TimerWheel::insert(TimerEntry& entry) noexcept {
  if (entry.when <= elapsed_) return false;
  const int level = level_for(elapsed_, entry.when);
  entry.level = static_cast<std::uint8_t>(level);
  entry.slot = static_cast<std::uint8_t>((entry.when >> (6 * level)) & kSlotMask);
  link(entry);
  return true;
}

void TimerWheel::link(TimerEntry& entry) noexcept {
  Level& lvl = levels_[entry.level];
  Slot& slot = lvl.slots[entry.slot];
  entry.prev = nullptr;
  entry.next = slot.head;
  if (slot.head != nullptr) slot.head->prev = &entry;
  slot.head = &entry;
  lvl.occupied |= std::uint64_t{1} << entry.slot;
  entry.linked = true;
  ++size_;
}

void TimerWheel::remove(TimerEntry& entry) noexcept {
  if (!entry.linked) return;
  Level& lvl = levels_[entry.level];
  Slot& slot = lvl.slots[entry.slot];
  if (entry.prev != nullptr) {
    entry.prev->next = entry.next;
  } else {
    slot.head = entry.next;
  }
  if (entry.next != nullptr) entry.next->prev = entry.prev;
  if (slot.head == nullptr) lvl.occupied &= ~(std::uint64_t{1} << entry.slot);
  entry.prev = entry.next = nullptr;
  entry.linked = false;
  --size_;
}

TimerEntry* TimerWheel::take_slot(int level, int slot) noexcept {
  Level& lvl = levels_[level];
  TimerEntry* head = lvl.slots[slot].head;
  lvl.slots[slot].head = nullptr;
  lvl.occupied &= ~(std::uint64_t{1} << slot);
  return head;
}

std::optional<TimerWheel::Expiration> TimerWheel::next_expiration_detail() const noexcept {
  // A lower level's slots all end before any slot of a higher level begins, so the
  // first level with a timer holds the earliest one.
  for (int level = 0; level < kLevels; ++level) {
    const std::uint64_t occupied = levels_[level].occupied;
    if (occupied == 0) continue;
    const int now_slot = static_cast<int>((elapsed_ >> (6 * level)) & kSlotMask);
    const int zeros = std::countr_zero(std::rotr(occupied, now_slot));
    const int slot = (zeros + now_slot) % kSlots;
    const std::uint64_t level_start = elapsed_ & ~(level_range(level) - 1);
    std::uint64_t deadline = level_start + static_cast<std::uint64_t>(slot) * slot_range(level);
    // Only the top level can hold a slot "behind" now: deadlines beyond its range were
    // clamped into it, and wait there one more turn of the wheel.
    if (deadline <= elapsed_) deadline += level_range(level);
    return Expiration{level, slot, deadline};
  }
  return std::nullopt;
}

std::optional<std::uint64_t> TimerWheel::next_expiration() const noexcept {
  if (auto exp = next_expiration_detail()) return exp->deadline;
  return std::nullopt;
}

}  // namespace pollux::exec::detail
