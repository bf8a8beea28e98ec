// SPDX-License-Identifier: MIT
// NT keyed events: the parking primitive of Windows before WaitOnAddress (XP's critical
// sections park on them), used here when WaitOnAddress is missing, as on Windows 7 and
// Wine's default. Undocumented but stable ntdll exports, found through GetProcAddress.
//
// A keyed event is one kernel object on which threads wait and release by key (any even
// address; ours is the Parker's word). NtReleaseKeyedEvent is a rendezvous: it blocks
// until a thread waiting on the same key takes it, and NtWaitForKeyedEvent blocks until a
// release for its key comes. There is no compare-and-sleep, so this backend leans on how
// the Parker calls it: it waits only while its word says kParked, and a waker calls
// wake_one only after moving the word from kParked to kNotified, so every release has
// exactly one waiter that will take it. That gives the two rules below (parking_lot_core's
// for the same backend):
// - wait() returns woken only after taking a release. A timeout that comes back before
//   the steady_clock deadline (NT timers have their own granularity) waits again inside
//   wait(), because a "woken" without a release would let the Parker leave while the
//   release it is owed is still coming.
// - A waiter that timed out, but then found that a waker had committed to a release,
//   must take that release (consume_wake), or the waker blocks for ever in
//   NtReleaseKeyedEvent.

#include "futex.hpp"
#include "win.hpp"

namespace pollux::inline POLLUX_ABI()::exec::sys {

namespace {

using NtStatus = LONG;
constexpr NtStatus kStatusSuccess = 0;

using NtCreateKeyedEventFn = NtStatus(NTAPI*)(PHANDLE handle,
                                              ACCESS_MASK access,
                                              PVOID object_attributes,
                                              ULONG flags);
using NtKeyedEventFn = NtStatus(NTAPI*)(HANDLE handle,
                                        PVOID key,
                                        BOOLEAN alertable,
                                        PLARGE_INTEGER timeout);

struct KeyedEvent {
  HANDLE handle = nullptr;
  NtKeyedEventFn wait = nullptr;
  NtKeyedEventFn release = nullptr;
};

// One keyed event for the whole process, never closed: every Parker shares it, each under
// its own key, and a Parker may be unparked until the very end.
const KeyedEvent& keyed_event() noexcept {
  static const KeyedEvent found = [] {
    KeyedEvent k;
    const HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    const auto create = proc_address<NtCreateKeyedEventFn>(ntdll, "NtCreateKeyedEvent");
    const auto wait = proc_address<NtKeyedEventFn>(ntdll, "NtWaitForKeyedEvent");
    const auto release = proc_address<NtKeyedEventFn>(ntdll, "NtReleaseKeyedEvent");
    if (create == nullptr || wait == nullptr || release == nullptr) return k;
    HANDLE handle = nullptr;
    if (create(&handle, GENERIC_READ | GENERIC_WRITE, nullptr, 0) != kStatusSuccess) return k;
    k.handle = handle;
    k.wait = wait;
    k.release = release;
    return k;
  }();
  return found;
}

// The key is the word's address: even, as keyed events require (the low bit is reserved).
PVOID key_of(std::atomic<std::uint32_t>& word) noexcept {
  return reinterpret_cast<PVOID>(&word);
}

WaitStatus keyed_wait(std::atomic<std::uint32_t>& word,
                      std::uint32_t /*expected: see the file comment*/,
                      const Deadline* deadline) noexcept {
  const KeyedEvent& k = keyed_event();
  for (;;) {
    if (deadline == nullptr) {
      if (k.wait(k.handle, key_of(word), FALSE, nullptr) == kStatusSuccess) {
        return WaitStatus::woken;
      }
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    // Compared before subtracting: a deadline far in the past would overflow the difference.
    if (*deadline <= now) return WaitStatus::timed_out;
    const auto remaining = *deadline - now;
    // NT timeouts count 100 ns units; a negative one is relative. Rounded up so that the
    // kernel never ends the wait before the deadline on our account.
    LARGE_INTEGER timeout;
    timeout.QuadPart =
        -std::chrono::ceil<std::chrono::duration<long long, std::ratio<1, 10000000>>>(remaining)
             .count();
    if (k.wait(k.handle, key_of(word), FALSE, &timeout) == kStatusSuccess) {
      return WaitStatus::woken;
    }
    // STATUS_TIMEOUT (or, not seen in practice, an error): go round and re-check the
    // deadline; only it decides that the wait timed out.
  }
}

void keyed_wake_one(void* address) noexcept {
  // The key is all a release needs; its waiter cannot have left (it waits for this very
  // release), so the key still names its word.
  const KeyedEvent& k = keyed_event();
  k.release(k.handle, address, FALSE, nullptr);
}

void keyed_consume_wake(std::atomic<std::uint32_t>& word) noexcept {
  const KeyedEvent& k = keyed_event();
  while (k.wait(k.handle, key_of(word), FALSE, nullptr) != kStatusSuccess) {
  }
}

bool keyed_available() noexcept {
  return keyed_event().handle != nullptr;
}

}  // namespace

const FutexOps kKeyedEventFutex = {
    "keyed", keyed_wait, keyed_wake_one, keyed_consume_wake, keyed_available,
};

}  // namespace pollux::exec::sys
