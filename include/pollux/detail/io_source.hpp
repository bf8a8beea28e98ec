// SPDX-License-Identifier: MIT
#pragma once
// IoSource: the registration half of every socket and descriptor that pollux owns.

#include <memory>
#include <system_error>

#include <pollux/config.hpp>
#include <pollux/interest.hpp>
#include <pollux/poll.hpp>
#include <pollux/token.hpp>
#include <pollux/would_block.hpp>

namespace pollux::inline POLLUX_ABI()::detail {

/// Owns a native handle and its registration. What it keeps of the registration is the
/// backend's (sys::SourceState, pollux/sys/selector.hpp): on epoll, which epoll set to
/// leave when it is closed; where edge triggering is emulated (poll(2), Windows AFD),
/// the per-source state that an operation re-arms when it reports would-block (see
/// `would_block`). That is why I/O done on the raw handle behind pollux's back can break
/// eventing on those backends.
class POLLUX_API IoSource {
 public:
  IoSource() noexcept = default;
  explicit IoSource(NativeHandle handle) noexcept : handle_(handle) {}
  IoSource(IoSource&& other) noexcept;
  IoSource& operator=(IoSource&& other) noexcept;
  /// Removes any registration, then closes the handle.
  ~IoSource();

  NativeHandle handle() const noexcept { return handle_; }
  bool is_open() const noexcept { return handle_ != kInvalidHandle; }

  // Registry::add/modify/remove have checked the Registry and the Interest. Inline: on
  // epoll each is the epoll_ctl itself (pollux/sys/selector.hpp).
  std::error_code add_to(const Registry& registry, Token token, Interest interest) {
    return sys::source_add(handle_, state_, registry.sys_selector(), token, interest);
  }
  std::error_code modify_in(const Registry& registry, Token token, Interest interest) {
    return sys::source_modify(handle_, state_, registry.sys_selector(), token, interest);
  }
  std::error_code remove_from(const Registry& registry) {
    return sys::source_remove(handle_, state_, registry.sys_selector());
  }

  /// Called by every pollux operation that met would-block; re-arms emulated edges.
  void would_block() noexcept { sys::source_would_block(state_); }
  /// Passes `ec` through, re-arming first when it is would-block.
  std::error_code track(std::error_code ec) noexcept {
    if (is_would_block(ec)) would_block();
    return ec;
  }

  /// Removes any registration and gives up ownership of the handle without closing it.
  NativeHandle release() noexcept;
  /// Removes any registration and closes the handle.
  void close() noexcept;

 private:
  NativeHandle handle_ = kInvalidHandle;
  sys::SourceState state_;
};

}  // namespace pollux::detail
