// SPDX-License-Identifier: MIT
#pragma once
// Interest: which readiness a registration asks for.

#include <cstdint>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI() {

/// A set of readiness kinds. Combine with `|`; remove with `remove()`.
/// A default-constructed Interest is empty, and Registry refuses it
/// (std::errc::invalid_argument): an empty registration could never report anything.
class Interest {
 public:
  /// Data, an incoming connection or EOF can be read.
  static const Interest readable;
  /// A write (or a pending connect) can make progress.
  static const Interest writable;
  /// Out-of-band / urgent data (EPOLLPRI on Linux; POLLPRI on poll(2)).
  static const Interest priority;

  constexpr Interest() noexcept = default;

  ///@{
  /// Whether the set holds that kind.
  constexpr bool is_readable() const noexcept { return (bits_ & kReadable) != 0; }
  constexpr bool is_writable() const noexcept { return (bits_ & kWritable) != 0; }
  constexpr bool is_priority() const noexcept { return (bits_ & kPriority) != 0; }
  ///@}
  /// An empty set, which Registry refuses.
  constexpr bool is_empty() const noexcept { return bits_ == 0; }

  /// The union with `other`, as `|`.
  constexpr Interest add(Interest other) const noexcept { return Interest(bits_ | other.bits_); }
  /// This set without the kinds in `other`; may leave it empty.
  constexpr Interest remove(Interest other) const noexcept {
    return Interest(static_cast<std::uint8_t>(bits_ & ~other.bits_));
  }
  /// The raw bit set, for hashing or logging; the bit values are not a stable API.
  constexpr std::uint8_t bits() const noexcept { return bits_; }

  friend constexpr Interest operator|(Interest a, Interest b) noexcept { return a.add(b); }
  /// Adds the kinds in `other` to this set.
  constexpr Interest& operator|=(Interest other) noexcept { return *this = add(other); }
  friend constexpr bool operator==(Interest, Interest) noexcept = default;

 private:
  static constexpr std::uint8_t kReadable = 1;
  static constexpr std::uint8_t kWritable = 2;
  static constexpr std::uint8_t kPriority = 4;

  constexpr explicit Interest(std::uint8_t bits) noexcept : bits_(bits) {}
  std::uint8_t bits_ = 0;
};

inline constexpr Interest Interest::readable{Interest::kReadable};
inline constexpr Interest Interest::writable{Interest::kWritable};
inline constexpr Interest Interest::priority{Interest::kPriority};

}  // namespace pollux
