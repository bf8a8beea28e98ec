// SPDX-License-Identifier: MIT
// Hosts without a native backend here (macOS, the BSDs): only the fallback.

#include <array>

#include "futex.hpp"

namespace pollux::inline POLLUX_ABI()::exec::sys {

std::span<const FutexOps* const> compiled_futexes() noexcept {
  static constexpr std::array<const FutexOps*, 1> kCompiled = {&kFallbackFutex};
  return kCompiled;
}

}  // namespace pollux::exec::sys
