// SPDX-License-Identifier: MIT
#pragma once
// The internal contract under the Parker: a futex-like wait/wake on one 32-bit word. The
// Parker's state machine (parker.cpp) is written once over it; each mechanism implements it
// whole in a file of its own, and lib/exec/meson.build compiles the ones the host has:
//
//   backend        file                    hosts                   chosen
//   futex          futex_linux.cpp         Linux                   default on Linux
//   waitonaddress  futex_windows.cpp       Windows 8+ (run time)   default on Windows
//   keyed          keyed_event_windows.cpp Windows (ntdll)         when WaitOnAddress is missing
//   fallback       futex_fallback.cpp      every host              elsewhere, or forced
//
// Required of a backend (a FutexOps value):
//   wait(word, expected, deadline)
//       Sleeps while word == expected, until a wake_one on word, the deadline (a null
//       deadline means none), or spuriously. Returns timed_out only when the deadline
//       passed; the caller re-reads word either way. A backend whose wakes must be
//       consumed (consume_wake below) returns woken only after consuming one.
//   wake_one(address)
//       Wakes at most one waiter on the word at address. The Parker calls it once per wake
//       that it owes, after it has changed the word, and only while a waiter is or will be
//       parked on it. The word may be freed by then (a two-phase unpark's handle runs after
//       the owner may have left): use the address as a key only, never dereference it.
//   consume_wake(word)    (null for backends whose wakes need no consumer)
//       Called by a waiter whose wait timed out but which then found that a waker had
//       already committed to a wake_one: keyed events' release blocks until a waiter takes
//       it, so the waiter must take it or the waker blocks for ever.
//   available()
//       Whether this process can use it (WaitOnAddress and keyed events are looked up at
//       run time: Wine reports Windows 7).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>

#include <pollux/exec/config.hpp>

namespace pollux::inline POLLUX_ABI()::exec::sys {

using Deadline = std::chrono::steady_clock::time_point;

enum class WaitStatus { woken, timed_out };

struct FutexOps {
  std::string_view name;
  WaitStatus (*wait)(std::atomic<std::uint32_t>& word,
                     std::uint32_t expected,
                     const Deadline* deadline) noexcept;
  void (*wake_one)(void* address) noexcept;
  void (*consume_wake)(std::atomic<std::uint32_t>& word) noexcept;
  bool (*available)() noexcept;
};

// Each is defined only where its file is compiled.
extern const FutexOps kLinuxFutex;          // futex_linux.cpp
extern const FutexOps kWaitOnAddressFutex;  // futex_windows.cpp
extern const FutexOps kKeyedEventFutex;     // keyed_event_windows.cpp
extern const FutexOps kFallbackFutex;       // futex_fallback.cpp, on every host

/// The backends compiled for this host, best first, the fallback last (one
/// futex_backends_<os>.cpp per host defines it).
std::span<const FutexOps* const> compiled_futexes() noexcept;

/// The backend that Parkers constructed from now on use: a forced one, else
/// POLLUX_EXEC_PARKER (read once), else the first available one.
const FutexOps& current_futex() noexcept;

// Test hooks, so that the suites can run every backend in one process. Not exported: a
// shared build's suites that use them link pollux_exec_hooks_dep (lib/exec/meson.build).

/// Names of the backends compiled for this host that this process can use, best first.
std::span<const std::string_view> parker_backends() noexcept;
/// Makes Parkers constructed from now on use the named backend; false (and nothing
/// changes) when it is unknown or unavailable. An empty name restores the default.
bool force_parker_backend(std::string_view name) noexcept;
/// The backend that a Parker constructed now would use.
std::string_view parker_backend() noexcept;

}  // namespace pollux::exec::sys
