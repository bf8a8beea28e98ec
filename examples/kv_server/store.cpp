// SPDX-License-Identifier: MIT
// The sharded key space: see store.hpp.

#include "store.hpp"

#include <chrono>
#include <limits>

#include "reply.hpp"

namespace kv {

std::int64_t now_ms() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Store::Entry* Store::find_live(Shard& s, std::string_view key, Map::iterator* where) {
  const auto it = s.map.find(key);
  if (it == s.map.end()) return nullptr;
  if (it->second.expire_at != 0 && it->second.expire_at <= now_ms()) {
    erase(s, it);
    return nullptr;
  }
  if (where != nullptr) *where = it;
  return &it->second;
}

void Store::erase(Shard& s, Map::iterator it) {
  if (it->second.expire_at != 0) s.due.erase({it->second.expire_at, it->first});
  s.map.erase(it);
}

void Store::set_deadline(Shard& s, const std::string& key, Entry& e, std::int64_t deadline) {
  if (e.expire_at == deadline) return;
  if (e.expire_at != 0) s.due.erase({e.expire_at, key});
  e.expire_at = deadline;
  if (deadline == 0) return;
  s.due.emplace(deadline, key);
  // Earlier than what the expirer sleeps towards: wake it to re-arm.
  std::int64_t armed = armed_.load(std::memory_order_relaxed);
  while (deadline < armed) {
    if (armed_.compare_exchange_weak(armed, deadline, std::memory_order_relaxed)) {
      wakeup_.notify_one();
      break;
    }
  }
}

void Store::get_into(std::string_view key, std::string& out) {
  Shard& s = shard_for(key);
  std::lock_guard lock(s.mutex);
  if (const Entry* e = find_live(s, key)) {
    append_bulk(out, e->value);
  } else {
    out += "$-1\r\n";
  }
}

bool Store::set(std::string_view key, std::string_view value, std::int64_t expire_at,
                SetCond cond) {
  Shard& s = shard_for(key);
  std::lock_guard lock(s.mutex);
  Map::iterator it;
  Entry* e = find_live(s, key, &it);
  if ((cond == SetCond::if_absent && e != nullptr) || (cond == SetCond::if_present && e == nullptr)) {
    return false;
  }
  if (e == nullptr) it = s.map.emplace(std::string(key), Entry{}).first;
  it->second.value.assign(value);
  set_deadline(s, it->first, it->second, expire_at);
  return true;
}

bool Store::del(std::string_view key) {
  Shard& s = shard_for(key);
  std::lock_guard lock(s.mutex);
  Map::iterator it;
  if (find_live(s, key, &it) == nullptr) return false;
  erase(s, it);
  return true;
}

bool Store::exists(std::string_view key) {
  Shard& s = shard_for(key);
  std::lock_guard lock(s.mutex);
  return find_live(s, key) != nullptr;
}

Store::IncrStatus Store::incr(std::string_view key, std::int64_t delta, std::int64_t& result) {
  Shard& s = shard_for(key);
  std::lock_guard lock(s.mutex);
  Map::iterator it;
  Entry* e = find_live(s, key, &it);
  std::int64_t value = 0;
  if (e != nullptr && !parse_integer(e->value, value)) return IncrStatus::not_integer;
  if ((delta > 0 && value > std::numeric_limits<std::int64_t>::max() - delta) ||
      (delta < 0 && value < std::numeric_limits<std::int64_t>::min() - delta)) {
    return IncrStatus::overflow;
  }
  value += delta;
  if (e == nullptr) e = &s.map.emplace(std::string(key), Entry{}).first->second;
  e->value = std::to_string(value);
  result = value;
  return IncrStatus::ok;
}

bool Store::expire_at(std::string_view key, std::int64_t deadline) {
  Shard& s = shard_for(key);
  std::lock_guard lock(s.mutex);
  Map::iterator it;
  if (find_live(s, key, &it) == nullptr) return false;
  if (deadline <= now_ms()) {
    erase(s, it);
  } else {
    set_deadline(s, it->first, it->second, deadline);
  }
  return true;
}

std::int64_t Store::ttl_ms(std::string_view key) {
  Shard& s = shard_for(key);
  std::lock_guard lock(s.mutex);
  const Entry* e = find_live(s, key);
  if (e == nullptr) return -2;
  if (e->expire_at == 0) return -1;
  return e->expire_at - now_ms();
}

void Store::keys(std::string_view pattern, std::vector<std::string>& out) {
  const std::int64_t now = now_ms();
  for (Shard& s : shards_) {
    std::lock_guard lock(s.mutex);
    for (const auto& [key, e] : s.map) {
      if ((e.expire_at == 0 || e.expire_at > now) && glob_match(pattern, key)) {
        out.push_back(key);
      }
    }
  }
}

void Store::flush() {
  for (Shard& s : shards_) {
    Map old;
    std::set<std::pair<std::int64_t, std::string>> old_due;
    {
      std::lock_guard lock(s.mutex);
      old.swap(s.map);
      old_due.swap(s.due);
    }
    // Freed with the lock released.
  }
}

std::size_t Store::size() {
  std::size_t n = 0;
  for (Shard& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.map.size();
  }
  return n;
}

bool Store::remove_due(std::int64_t now, std::size_t budget) {
  bool more = false;
  for (Shard& s : shards_) {
    std::lock_guard lock(s.mutex);
    std::size_t n = 0;
    while (!s.due.empty() && s.due.begin()->first <= now) {
      if (n++ == budget) {
        more = true;
        break;
      }
      const auto it = s.map.find(s.due.begin()->second);
      s.due.erase(s.due.begin());
      if (it != s.map.end()) s.map.erase(it);
    }
  }
  return more;
}

std::int64_t Store::arm_earliest() {
  // Reset first: a deadline set while the shards are read notifies (see set_deadline).
  armed_.store(kNever, std::memory_order_relaxed);
  std::int64_t earliest = kNever;
  for (Shard& s : shards_) {
    std::lock_guard lock(s.mutex);
    if (!s.due.empty() && s.due.begin()->first < earliest) earliest = s.due.begin()->first;
  }
  std::int64_t armed = armed_.load(std::memory_order_relaxed);
  while (earliest < armed &&
         !armed_.compare_exchange_weak(armed, earliest, std::memory_order_relaxed)) {
  }
  return earliest;
}

bool glob_match(std::string_view p, std::string_view s) {
  std::size_t pi = 0;
  std::size_t si = 0;
  std::size_t star_p = std::string_view::npos;
  std::size_t star_s = 0;
  while (si < s.size()) {
    bool advanced = false;
    if (pi < p.size()) {
      const char c = p[pi];
      if (c == '*') {
        star_p = ++pi;
        star_s = si;
        continue;
      }
      if (c == '?') {
        ++pi;
        ++si;
        continue;
      }
      if (c == '[') {
        std::size_t j = pi + 1;
        const bool negate = j < p.size() && p[j] == '^';
        if (negate) ++j;
        bool hit = false;
        while (j < p.size() && p[j] != ']') {
          if (p[j] == '\\' && j + 1 < p.size()) {
            hit |= p[++j] == s[si];
          } else if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
            char lo = p[j];
            char hi = p[j + 2];
            if (lo > hi) std::swap(lo, hi);
            hit |= s[si] >= lo && s[si] <= hi;
            j += 2;
          } else {
            hit |= p[j] == s[si];
          }
          ++j;
        }
        if (hit != negate) {
          pi = j < p.size() ? j + 1 : j;
          ++si;
          advanced = true;
        }
      } else {
        const char lit = (c == '\\' && pi + 1 < p.size()) ? p[pi + 1] : c;
        if (lit == s[si]) {
          pi += (c == '\\' && pi + 1 < p.size()) ? 2 : 1;
          ++si;
          advanced = true;
        }
      }
    }
    if (advanced) continue;
    if (star_p == std::string_view::npos) return false;
    pi = star_p;
    si = ++star_s;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace kv
