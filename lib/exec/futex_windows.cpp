// SPDX-License-Identifier: MIT
// WaitOnAddress / WakeByAddressSingle (Windows 8 and later). Found at run time, never
// linked: Windows 7 (and Wine, which reports 7) would refuse to load a binary importing
// them, and there the keyed-event backend takes over. The functions live in
// api-ms-win-core-synch-l1-2-0.dll, an API set that kernelbase.dll implements.
//
// WaitOnAddress compares the word with *expected and sleeps only while they are equal,
// atomically with respect to WakeByAddress*, which is the futex contract. Its timeout is
// relative, in milliseconds, and Windows timers may fire a little before a steady_clock
// deadline, so a timeout that comes back early is reported as a spurious wake and the
// caller waits again for what remains.

#include "futex.hpp"
#include "win.hpp"

namespace pollux::inline POLLUX_ABI()::exec::sys {

namespace {

using WaitOnAddressFn = BOOL(WINAPI*)(volatile VOID* address,
                                      PVOID compare_address,
                                      SIZE_T address_size,
                                      DWORD milliseconds);
using WakeByAddressSingleFn = VOID(WINAPI*)(PVOID address);

struct WaitOnAddressApi {
  WaitOnAddressFn wait = nullptr;
  WakeByAddressSingleFn wake_one = nullptr;
};

WaitOnAddressApi find_in(HMODULE module) noexcept {
  WaitOnAddressApi api;
  api.wait = proc_address<WaitOnAddressFn>(module, "WaitOnAddress");
  api.wake_one = proc_address<WakeByAddressSingleFn>(module, "WakeByAddressSingle");
  if (api.wait == nullptr || api.wake_one == nullptr) return {};
  return api;
}

const WaitOnAddressApi& api() noexcept {
  static const WaitOnAddressApi found = [] {
    WaitOnAddressApi api = find_in(GetModuleHandleW(L"api-ms-win-core-synch-l1-2-0.dll"));
    if (api.wait == nullptr) {
      // Not mapped yet. The loader resolves API-set names only on Windows 8+, so on 7 this
      // fails cleanly. The module stays loaded for the life of the process on purpose.
      api = find_in(LoadLibraryW(L"api-ms-win-core-synch-l1-2-0.dll"));
    }
    if (api.wait == nullptr) api = find_in(GetModuleHandleW(L"kernelbase.dll"));
    return api;
  }();
  return found;
}

// Milliseconds until the deadline, rounded up so that the wait never ends early on our
// account; INFINITE (0xFFFFFFFF) is reserved, so long waits are cut just below it.
DWORD milliseconds_until(const Deadline& deadline) noexcept {
  const auto now = std::chrono::steady_clock::now();
  // Compared before subtracting: a deadline far in the past would overflow the difference.
  if (deadline <= now) return 0;
  const auto remaining = deadline - now;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(remaining).count();
  constexpr long long kLongest = INFINITE - 1;
  return static_cast<DWORD>(ms > kLongest ? kLongest : ms);
}

WaitStatus woa_wait(std::atomic<std::uint32_t>& word,
                    std::uint32_t expected,
                    const Deadline* deadline) noexcept {
  DWORD timeout = INFINITE;
  if (deadline != nullptr) {
    timeout = milliseconds_until(*deadline);
    if (timeout == 0) return WaitStatus::timed_out;
  }
  // std::atomic<std::uint32_t> is a plain 32-bit word (asserted below), which is what
  // WaitOnAddress compares.
  if (api().wait(reinterpret_cast<volatile VOID*>(&word), &expected, sizeof expected,
                 timeout)) {
    return WaitStatus::woken;
  }
  if (GetLastError() == ERROR_TIMEOUT && deadline != nullptr &&
      std::chrono::steady_clock::now() >= *deadline) {
    return WaitStatus::timed_out;
  }
  return WaitStatus::woken;
}

void woa_wake_one(void* address) noexcept {
  // Like a futex wake, WakeByAddressSingle only looks the address up among the waiters.
  api().wake_one(address);
}

bool woa_available() noexcept {
  return api().wait != nullptr;
}

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

}  // namespace

const FutexOps kWaitOnAddressFutex = {
    "waitonaddress", woa_wait, woa_wake_one, nullptr, woa_available,
};

}  // namespace pollux::exec::sys
