// SPDX-License-Identifier: MIT
#pragma once
// Store: the key space, shared by every connection on every worker.
//
// Sharded: a key's hash picks one of kShards maps, each under its own std::mutex. A plain
// mutex (not exec::Mutex) because no section that holds it suspends: each operation looks
// up, copies and returns, so a waiter spins or sleeps for a few hundred nanoseconds at
// most, and an uncontended lock costs one atomic exchange where exec::Mutex would cost a
// semaphore's bookkeeping.
//
// Expiry: each shard keeps its deadlines ordered (a std::set of deadline and key), so the
// expirer task (expirer.cpp) takes only what is due, never scanning the store; an access
// to a key that is past its deadline also removes it (lazy expiry), so no reply ever shows
// an expired key. When a deadline earlier than the one the expirer sleeps towards is set,
// the store wakes it through an exec::Notify.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <pollux/exec/sync/notify.hpp>

namespace kv {

/// Milliseconds on the steady clock: the store's time.
std::int64_t now_ms() noexcept;
inline constexpr std::int64_t kNever = INT64_MAX;

class Store {
 public:
  enum class SetCond : std::uint8_t { always, if_absent, if_present };
  enum class IncrStatus : std::uint8_t { ok, not_integer, overflow };

  /// Appends the key's value as a RESP bulk string (or the null bulk) to `out`.
  void get_into(std::string_view key, std::string& out);
  /// Sets the value; expire_at 0 = no expiry (and clears any). False if `cond` refused.
  bool set(std::string_view key, std::string_view value, std::int64_t expire_at, SetCond cond);
  /// Removes the key; whether it existed.
  bool del(std::string_view key);
  bool exists(std::string_view key);
  /// Adds `delta` to an integer value (a missing key counts as 0); keeps its expiry.
  IncrStatus incr(std::string_view key, std::int64_t delta, std::int64_t& result);
  /// Gives the key a deadline (one already past removes it); whether the key existed.
  bool expire_at(std::string_view key, std::int64_t deadline);
  /// Milliseconds to live: -2 no such key, -1 no expiry.
  std::int64_t ttl_ms(std::string_view key);
  /// The keys matching a glob pattern (a scan, as redis's KEYS is).
  void keys(std::string_view pattern, std::vector<std::string>& out);
  void flush();
  std::size_t size();

  /// For the expirer: removes up to `budget` keys due at `now`; true if more are due.
  bool remove_due(std::int64_t now, std::size_t budget);
  /// For the expirer: the earliest deadline (kNever if none), recorded as the one it
  /// sleeps towards; a set() of an earlier deadline after this call notifies wakeup().
  std::int64_t arm_earliest();
  pollux::exec::Notify& wakeup() noexcept { return wakeup_; }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  struct Entry {
    std::string value;
    std::int64_t expire_at = 0;
  };
  using Map = std::unordered_map<std::string, Entry, Hash, std::equal_to<>>;
  struct alignas(64) Shard {
    std::mutex mutex;
    Map map;                                              // guarded by mutex
    std::set<std::pair<std::int64_t, std::string>> due;  // guarded by mutex
  };
  static constexpr std::size_t kShards = 16;

  Shard& shard_for(std::string_view key) noexcept {
    return shards_[(Hash{}(key) >> 7) % kShards];
  }
  // Lock held: the live entry for `key`, removing it first if it is past its deadline.
  static Entry* find_live(Shard& s, std::string_view key, Map::iterator* where = nullptr);
  // Lock held: sets or clears the entry's deadline (keeping `due` in step).
  void set_deadline(Shard& s, const std::string& key, Entry& e, std::int64_t deadline);
  static void erase(Shard& s, Map::iterator it);

  Shard shards_[kShards];
  std::atomic<std::int64_t> armed_{kNever};
  pollux::exec::Notify wakeup_;
};

/// Redis's glob: * ? [abc] [^a-z] and \ escapes.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace kv
