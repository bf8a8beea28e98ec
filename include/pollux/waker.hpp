// SPDX-License-Identifier: MIT
#pragma once
// Waker: makes a Poll return from another thread.

#include <memory>
#include <system_error>

#include <pollux/config.hpp>
#include <pollux/sys/waker.hpp>  // the backend's half: WakerState, wake
#include <pollux/token.hpp>

namespace pollux::inline POLLUX_ABI() {

class Registry;

/// Wakes a Poll from any thread; the poll reports a readable event with the Waker's token.
/// A wake before the poll is not lost; several wakes before one poll may merge into one
/// event. A Poll may have several Wakers, each with its own token.
class POLLUX_API Waker {
 public:
  Waker() noexcept = default;
  /// Registers a Waker with `registry`'s Poll under `token`; on failure ec is set and the
  /// Waker is empty.
  Waker(const Registry& registry, Token token, std::error_code& ec);
  ///@{
  /// Movable: the registration moves; the moved-from Waker is empty.
  Waker(Waker&&) noexcept;
  Waker& operator=(Waker&&) noexcept;
  ///@}
  /// Deregisters and frees the Waker's OS object.
  ~Waker();

  /// Inline: on epoll a wake is one write (pollux/sys/waker.hpp).
  [[nodiscard]] std::error_code wake() const noexcept { return sys::wake(state_.get()); }
  /// False for an empty Waker (default-made, moved from, or failed to register).
  bool is_open() const noexcept { return state_ != nullptr; }

 private:
  struct Deleter {
    void operator()(sys::WakerState* state) const noexcept;
  };
  std::unique_ptr<sys::WakerState, Deleter> state_;
};

}  // namespace pollux
