// SPDX-License-Identifier: MIT
#pragma once
// The results of the channels' receive and send (oneshot, mpsc, broadcast): errors as
// values, and a value that could not be sent handed back to the sender.

#include <optional>
#include <system_error>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// What a receive gives: `auto [error, value] = ...;` exactly one is set.
template <class T>
struct [[nodiscard]] RecvResult {
  /// Empty on success.
  std::error_code error;
  /// The value received, on success.
  std::optional<T> value;
  /// True when a value was received.
  explicit operator bool() const noexcept { return value.has_value(); }
};

/// What a send gives: on failure, the error and the value handed back.
template <class T>
struct [[nodiscard]] SendResult {
  /// Empty on success.
  std::error_code error;
  /// The value handed back, on failure (the channel did not take it).
  std::optional<T> value;
  /// True on success.
  explicit operator bool() const noexcept { return !error; }
};

}  // namespace pollux::exec
