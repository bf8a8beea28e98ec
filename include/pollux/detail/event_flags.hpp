// SPDX-License-Identifier: MIT
#pragma once
// The portable meaning of an event, as bits: what every backend's record decodes into.
// Event::Flag names them for users; the backends' headers need them before Event exists.

#include <cstdint>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI()::detail {

inline constexpr std::uint32_t kEventReadable = 1u << 0;
inline constexpr std::uint32_t kEventWritable = 1u << 1;
inline constexpr std::uint32_t kEventError = 1u << 2;
inline constexpr std::uint32_t kEventReadClosed = 1u << 3;
inline constexpr std::uint32_t kEventWriteClosed = 1u << 4;
inline constexpr std::uint32_t kEventPriority = 1u << 5;
inline constexpr std::uint32_t kEventCompletion = 1u << 6;
inline constexpr std::uint32_t kEventAll = (1u << 7) - 1;

}  // namespace pollux::detail
