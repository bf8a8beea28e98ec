// SPDX-License-Identifier: MIT
// Which futex backend a new Parker gets: the default is decided once per process (the
// first available of the host's compiled backends, unless POLLUX_EXEC_PARKER names
// another); the test hook can force one for Parkers constructed afterwards. A Parker keeps
// the backend it was constructed with, so forcing never mixes two backends on one word.

#include <array>
#include <cstdlib>

#include "futex.hpp"

namespace pollux::inline POLLUX_ABI()::exec::sys {

namespace {

constexpr std::size_t kMaxBackends = 8;

struct Available {
  std::array<const FutexOps*, kMaxBackends> ops{};
  std::array<std::string_view, kMaxBackends> names{};
  std::size_t size = 0;
};

const Available& available_futexes() noexcept {
  static const Available available = [] {
    Available a;
    for (const FutexOps* ops : compiled_futexes()) {
      if (a.size < kMaxBackends && ops->available()) {
        a.ops[a.size] = ops;
        a.names[a.size] = ops->name;
        ++a.size;
      }
    }
    return a;
  }();
  return available;
}

const FutexOps* find_available(std::string_view name) noexcept {
  const Available& a = available_futexes();
  for (std::size_t i = 0; i < a.size; ++i) {
    if (a.names[i] == name) return a.ops[i];
  }
  return nullptr;
}

const FutexOps& default_futex() noexcept {
  static const FutexOps* const chosen = [] {
    const char* env = std::getenv("POLLUX_EXEC_PARKER");
    if (env != nullptr) {
      if (const FutexOps* ops = find_available(env)) return ops;
    }
    // The fallback is compiled everywhere and always available, so this is never empty.
    return available_futexes().ops[0];
  }();
  return *chosen;
}

std::atomic<const FutexOps*> forced{nullptr};

}  // namespace

const FutexOps& current_futex() noexcept {
  if (const FutexOps* ops = forced.load(std::memory_order_acquire)) return *ops;
  return default_futex();
}

std::span<const std::string_view> parker_backends() noexcept {
  const Available& a = available_futexes();
  return {a.names.data(), a.size};
}

bool force_parker_backend(std::string_view name) noexcept {
  if (name.empty()) {
    forced.store(nullptr, std::memory_order_release);
    return true;
  }
  const FutexOps* ops = find_available(name);
  if (ops == nullptr) return false;
  forced.store(ops, std::memory_order_release);
  return true;
}

std::string_view parker_backend() noexcept {
  return current_futex().name;
}

}  // namespace pollux::exec::sys
