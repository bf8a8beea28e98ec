// SPDX-License-Identifier: MIT
// Linux: the futex first; the fallback stays compiled so that it is tested here too.

#include <array>

#include "futex.hpp"

namespace pollux::inline POLLUX_ABI()::exec::sys {

std::span<const FutexOps* const> compiled_futexes() noexcept {
  static constexpr std::array<const FutexOps*, 2> kCompiled = {&kLinuxFutex, &kFallbackFutex};
  return kCompiled;
}

}  // namespace pollux::exec::sys
