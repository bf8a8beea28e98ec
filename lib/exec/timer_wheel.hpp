// SPDX-License-Identifier: MIT
#pragma once
// TimerWheel: a hierarchical timing wheel with millisecond slots, after the one tokio's
// time driver uses (itself after Varghese & Lauck). Six levels of 64 slots cover 2^36 ms
// (about 2.2 years); a deadline further out waits in the top level and is re-filed as
// the wheel turns. Insert and cancel are O(1) (an intrusive doubly linked list per
// slot); finding the next deadline is a bit scan per level.
//
// Not thread-safe: the Timers that owns it serialises every call.

#include <array>
#include <cstdint>
#include <optional>

#include <pollux/exec/detail/waker.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

// A pending timer, owned by whoever waits on it (an awaiter in a coroutine frame). It
// must stay at one address while it is in a wheel.
struct TimerEntry {
  TimerEntry() noexcept = default;
  TimerEntry(const TimerEntry&) = delete;
  TimerEntry& operator=(const TimerEntry&) = delete;

  std::uint64_t when = 0;  // deadline, in ms ticks of the wheel's clock
  TimerEntry* prev = nullptr;
  TimerEntry* next = nullptr;
  std::uint8_t level = 0;
  std::uint8_t slot = 0;
  bool linked = false;
  Waker waker;
};

class TimerWheel {
 public:
  static constexpr int kLevels = 6;
  static constexpr int kSlots = 64;
  static constexpr std::uint64_t kMaxDuration = std::uint64_t{1} << (6 * kLevels);

  TimerWheel() noexcept = default;
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  // The tick up to which every timer has been fired.
  std::uint64_t elapsed() const noexcept { return elapsed_; }
  std::size_t size() const noexcept { return size_; }

  // false (and nothing inserted) when entry.when is not after elapsed(): it is due.
  bool insert(TimerEntry& entry) noexcept;
  // Unlinks an entry that is in the wheel; does nothing for one that is not.
  void remove(TimerEntry& entry) noexcept;
  // The tick of the earliest slot that holds timers (never before elapsed()+1).
  std::optional<std::uint64_t> next_expiration() const noexcept;
  // Advances to `now`, unlinking every entry whose deadline is at or before it and
  // handing each to `fire` (a callable taking TimerEntry&), earliest slots first.
  template <class F>
  void advance(std::uint64_t now, F&& fire) noexcept;

 private:
  struct Slot {
    TimerEntry* head = nullptr;
  };
  struct Level {
    std::uint64_t occupied = 0;
    std::array<Slot, kSlots> slots{};
  };
  struct Expiration {
    int level;
    int slot;
    std::uint64_t deadline;
  };

  static int level_for(std::uint64_t elapsed, std::uint64_t when) noexcept;
  std::optional<Expiration> next_expiration_detail() const noexcept;
  void link(TimerEntry& entry) noexcept;
  // Takes the whole list of one slot out of the wheel.
  TimerEntry* take_slot(int level, int slot) noexcept;

  std::array<Level, kLevels> levels_{};
  std::uint64_t elapsed_ = 0;
  std::size_t size_ = 0;
};

template <class F>
void TimerWheel::advance(std::uint64_t now, F&& fire) noexcept {
  while (auto exp = next_expiration_detail()) {
    if (exp->deadline > now) break;
    TimerEntry* e = take_slot(exp->level, exp->slot);
    if (exp->deadline > elapsed_) elapsed_ = exp->deadline;
    while (e != nullptr) {
      TimerEntry* next = e->next;
      e->prev = e->next = nullptr;
      e->linked = false;
      --size_;
      // Entries of a higher level share a slot with later deadlines: those move down.
      if (e->when <= elapsed_ || !insert(*e)) fire(*e);
      e = next;
    }
  }
  if (now > elapsed_) elapsed_ = now;
}

}  // namespace pollux::exec::detail
