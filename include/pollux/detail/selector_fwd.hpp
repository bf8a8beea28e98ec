// SPDX-License-Identifier: MIT
#pragma once
// What every backend's pollux/sys/selector.hpp builds on: the opaque Selector, and the
// out-of-line poll that checks its arguments first.

#include <chrono>
#include <optional>
#include <system_error>

#include <pollux/config.hpp>
#include <pollux/event.hpp>

namespace pollux::inline POLLUX_ABI()::sys {

class Selector;

/// Poll::poll in full, out of line: an empty Poll is bad_file_descriptor; Events of
/// capacity zero or a negative timeout, invalid_argument (each leaves `events` empty);
/// otherwise the backend's wait (lib/sys.hpp's selector_select). Backends whose headers
/// have a faster path for the common case send every other case here.
POLLUX_API std::error_code select_checked(Selector* selector,
                                          Events& events,
                                          std::optional<std::chrono::nanoseconds> timeout) noexcept;

}  // namespace pollux::sys
