// SPDX-License-Identifier: MIT
#pragma once
// Token: the caller's name for a registration, returned with every event for it.

#include <compare>
#include <cstddef>
#include <functional>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI() {

/// A strong wrapper over std::size_t. Every value is usable, SIZE_MAX included, on every
/// backend: no value is reserved for the library's own use.
class Token {
 public:
  constexpr Token() noexcept = default;
  /// Any value: none is reserved.
  constexpr explicit Token(std::size_t value) noexcept : value_(value) {}

  /// The number given at construction.
  constexpr std::size_t value() const noexcept { return value_; }

  friend constexpr bool operator==(Token, Token) noexcept = default;
  friend constexpr auto operator<=>(Token, Token) noexcept = default;

 private:
  std::size_t value_ = 0;
};

}  // namespace pollux

/// @cond
// Makes Token a key of the unordered containers. Hidden from the reference, which cannot
// place a specialisation declared outside namespace std.
template <>
struct std::hash<pollux::Token> {
  std::size_t operator()(pollux::Token t) const noexcept { return std::hash<std::size_t>{}(t.value()); }
};
/// @endcond
