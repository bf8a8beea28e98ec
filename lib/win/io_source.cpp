// SPDX-License-Identifier: MIT
// detail::IoSource for Windows sockets: registration through the IOCP Selector.

#include <pollux/detail/io_source.hpp>
#include <pollux/poll.hpp>

#include "selector.hpp"

namespace pollux::inline POLLUX_ABI()::detail {

namespace {

// The selector this source is registered with, when it is `wanted`.
std::shared_ptr<sys::Selector> registered_in(const sys::SourceState& state,
                                             const std::shared_ptr<sys::Selector>& wanted) noexcept {
  if (!state) return nullptr;
  auto selector = state->selector.lock();
  if (selector != wanted) return nullptr;
  return selector;
}

void deregister(sys::SourceState& state) noexcept {
  if (!state) return;
  // Held until remove() has returned: this may be the Selector's last reference, and
  // its teardown must not run while remove() holds its mutex.
  auto selector = state->selector.lock();
  if (selector) selector->remove(*state);
  state.reset();
}

}  // namespace
}  // namespace pollux::detail

namespace pollux::inline POLLUX_ABI()::sys {

std::error_code source_add(NativeHandle handle,
                           SourceState& state,
                           const std::shared_ptr<Selector>& selector,
                           Token token,
                           Interest interest) {
  if (handle == kInvalidHandle) return std::make_error_code(std::errc::bad_file_descriptor);
  // A registration whose Poll is gone is over; one whose Poll lives is a double add.
  if (state && !state->selector.expired()) return std::make_error_code(std::errc::file_exists);
  SourceState added;
  if (auto ec = selector->add(selector, static_cast<SOCKET>(handle), token, interest, added)) {
    return ec;
  }
  state = std::move(added);
  return {};
}

std::error_code source_modify(NativeHandle,
                              SourceState& state,
                              const std::shared_ptr<Selector>& selector,
                              Token token,
                              Interest interest) {
  auto registered = detail::registered_in(state, selector);
  if (!registered) return std::make_error_code(std::errc::no_such_file_or_directory);
  return registered->modify(*state, token, interest);
}

std::error_code source_remove(NativeHandle, SourceState& state, const std::shared_ptr<Selector>& selector) {
  auto registered = detail::registered_in(state, selector);
  if (!registered) return std::make_error_code(std::errc::no_such_file_or_directory);
  registered->remove(*state);
  state.reset();
  return {};
}

void source_would_block(SourceState& state) noexcept {
  if (!state) return;
  if (auto selector = state->selector.lock()) selector->rearm(*state);
}

}  // namespace pollux::sys

namespace pollux::inline POLLUX_ABI()::detail {

NativeHandle IoSource::release() noexcept {
  deregister(state_);
  NativeHandle handle = handle_;
  handle_ = kInvalidHandle;
  return handle;
}

void IoSource::close() noexcept {
  deregister(state_);
  if (handle_ != kInvalidHandle) closesocket(static_cast<SOCKET>(handle_));
  handle_ = kInvalidHandle;
}

}  // namespace pollux::detail
