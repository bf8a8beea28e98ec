// SPDX-License-Identifier: MIT
// Windows: WaitOnAddress when this Windows has it (8 and later), else NT keyed events
// (Windows 7, and Wine's default version); the fallback stays compiled so that it is
// tested here too. Which of them exist is decided at run time (futex_select.cpp).

#include <array>

#include "futex.hpp"

namespace pollux::inline POLLUX_ABI()::exec::sys {

std::span<const FutexOps* const> compiled_futexes() noexcept {
  static constexpr std::array<const FutexOps*, 3> kCompiled = {
      &kWaitOnAddressFutex, &kKeyedEventFutex, &kFallbackFutex};
  return kCompiled;
}

}  // namespace pollux::exec::sys
