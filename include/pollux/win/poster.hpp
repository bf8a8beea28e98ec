// SPDX-License-Identifier: MIT
#pragma once
// win::Poster: posts completions carrying a value to a Poll, from any thread.

#include <cstdint>
#include <memory>
#include <system_error>

#include <pollux/config.hpp>
#include <pollux/interest.hpp>
#include <pollux/token.hpp>

namespace pollux::inline POLLUX_ABI() {
class Registry;
}
namespace pollux::inline POLLUX_ABI()::sys {
struct PostRoute;
}

namespace pollux::inline POLLUX_ABI()::win {

/// A Source that posts completion packets to its Poll's port. Add it under a Token (the
/// Interest is not used; pass any non-empty one); then every post(value), from any
/// thread, makes one poll report one event with that token, is_completion() true and
/// completion_data() == value. Posts are not merged (unlike Waker) and keep their order.
///
/// After remove (or destruction) returns, packets still in the port are dropped and later
/// posts fail with std::errc::no_such_file_or_directory, as do posts before add.
class POLLUX_API Poster {
 public:
  Poster() noexcept = default;
  ///@{
  /// Movable, not copyable: the handle moves with it.
  Poster(Poster&&) noexcept = default;
  Poster& operator=(Poster&& other) noexcept;
  ///@}
  ~Poster();

  ///@{
  /// The Source hooks behind Registry::add, modify and remove: call those.
  [[nodiscard]] std::error_code add_to(const Registry& registry, Token token, Interest interest);
  [[nodiscard]] std::error_code modify_in(const Registry& registry, Token token, Interest interest);
  [[nodiscard]] std::error_code remove_from(const Registry& registry);
  ///@}

  /// Thread-safe, also against a concurrent modify or remove.
  [[nodiscard]] std::error_code post(std::uintptr_t value) const noexcept;

 private:
  void release() noexcept;
  std::shared_ptr<sys::PostRoute> route_;
};

}  // namespace pollux::win
