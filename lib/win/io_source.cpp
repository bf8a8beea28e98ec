// detail::IoSource for Windows sockets: registration through the IOCP Selector.

#include <pollux/detail/io_source.hpp>
#include <pollux/poll.hpp>

#include "selector.hpp"

namespace pollux::detail {

namespace {

// The selector this source is registered with, when it is `registry`'s.
std::shared_ptr<sys::Selector> registered_in(const std::shared_ptr<sys::SourceState>& state,
                                             const Registry& registry) noexcept {
  if (!state) return nullptr;
  auto selector = state->selector.lock();
  if (selector != registry.sys_selector()) return nullptr;
  return selector;
}

void deregister(std::shared_ptr<sys::SourceState>& state) noexcept {
  if (!state) return;
  // Held until remove() has returned: this may be the Selector's last reference, and
  // its teardown must not run while remove() holds its mutex.
  auto selector = state->selector.lock();
  if (selector) selector->remove(*state);
  state.reset();
}

}  // namespace

std::error_code IoSource::add_to(const Registry& registry, Token token, Interest interest) {
  if (handle_ == kInvalidHandle) return std::make_error_code(std::errc::bad_file_descriptor);
  // A registration whose Poll is gone is over; one whose Poll lives is a double add.
  if (state_ && !state_->selector.expired()) return std::make_error_code(std::errc::file_exists);
  std::shared_ptr<sys::SourceState> state;
  const auto& selector = registry.sys_selector();
  if (auto ec = selector->add(selector, static_cast<SOCKET>(handle_), token, interest, state)) {
    return ec;
  }
  state_ = std::move(state);
  return {};
}

std::error_code IoSource::modify_in(const Registry& registry, Token token, Interest interest) {
  auto selector = registered_in(state_, registry);
  if (!selector) return std::make_error_code(std::errc::no_such_file_or_directory);
  return selector->modify(*state_, token, interest);
}

std::error_code IoSource::remove_from(const Registry& registry) {
  auto selector = registered_in(state_, registry);
  if (!selector) return std::make_error_code(std::errc::no_such_file_or_directory);
  selector->remove(*state_);
  state_.reset();
  return {};
}

void IoSource::would_block() noexcept {
  if (!state_) return;
  if (auto selector = state_->selector.lock()) selector->rearm(*state_);
}

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
