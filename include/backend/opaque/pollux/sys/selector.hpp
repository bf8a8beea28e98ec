// SPDX-License-Identifier: MIT
#pragma once
// The selector half of lib/sys.hpp for the backends that keep all of it in the library
// (poll(2), IOCP): their Selector and per-source records stay opaque, and each call here
// is one call into lib/ (lib/opaque_backend.cpp, lib/unix/poll_*.cpp, lib/win/*.cpp).

#include <chrono>
#include <memory>
#include <optional>
#include <system_error>

#include <pollux/config.hpp>
#include <pollux/detail/selector_fwd.hpp>
#include <pollux/event.hpp>
#include <pollux/interest.hpp>
#include <pollux/token.hpp>

namespace pollux::inline POLLUX_ABI()::sys {

inline std::error_code poll_select(Selector* selector,
                                   Events& events,
                                   std::optional<std::chrono::nanoseconds> timeout) noexcept {
  return select_checked(selector, events, timeout);
}

/// The backend's record of a source's registrations (edge emulation state, links to the
/// Selectors that hold it); null until the source is first added.
struct SourceRecord;
using SourceState = std::shared_ptr<SourceRecord>;

POLLUX_API std::error_code source_add(NativeHandle handle,
                                      SourceState& state,
                                      const std::shared_ptr<Selector>& selector,
                                      Token token,
                                      Interest interest);
POLLUX_API std::error_code source_modify(NativeHandle handle,
                                         SourceState& state,
                                         const std::shared_ptr<Selector>& selector,
                                         Token token,
                                         Interest interest);
POLLUX_API std::error_code source_remove(NativeHandle handle,
                                         SourceState& state,
                                         const std::shared_ptr<Selector>& selector);
/// Re-arms the emulated edges: an operation on the source met would-block.
POLLUX_API void source_would_block(SourceState& state) noexcept;

/// Whether a source's readiness, once reported, stays quiet until an operation on a
/// pollux type meets would-block or Registry::modify re-arms it (I/O done on the raw
/// handle needs the modify): on both backends of this header set, poll(2) and IOCP.
inline constexpr bool kEmulatedEdges = true;

}  // namespace pollux::sys
