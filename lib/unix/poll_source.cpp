// IoSource for the poll(2) backend. The registration lives in the Selector; the source
// keeps a weak handle to it (fd + generation), so that would-block can re-arm the emulated
// edge, and so that nothing breaks when the Poll is destroyed before the source.

#include <unistd.h>

#include <pollux/detail/io_source.hpp>
#include <pollux/poll.hpp>

#include "poll_selector.hpp"

namespace pollux::detail {

namespace {

// Removes the registration this state refers to, if both still exist.
void forget(std::shared_ptr<sys::SourceState>& state) noexcept {
  if (!state) return;
  if (auto selector = state->selector.lock()) selector->drop(state->fd, state->generation);
  state.reset();
}

}  // namespace

std::error_code IoSource::add_to(const Registry& registry, Token token, Interest interest) {
  // One Poll at a time, as in mio: a second registration would leave the first one
  // impossible to re-arm.
  if (state_) {
    auto selector = state_->selector.lock();
    if (selector && selector->is_registered(state_->fd, state_->generation)) {
      return std::make_error_code(std::errc::file_exists);
    }
  }
  std::uint64_t generation = 0;
  if (auto ec = registry.sys_selector()->add(handle_, token, interest, &generation)) return ec;
  if (!state_) state_ = std::make_shared<sys::SourceState>();
  state_->selector = registry.sys_selector();
  state_->fd = handle_;
  state_->generation = generation;
  return {};
}

std::error_code IoSource::modify_in(const Registry& registry, Token token, Interest interest) {
  return registry.sys_selector()->modify(handle_, token, interest);
}

std::error_code IoSource::remove_from(const Registry& registry) {
  const auto& selector = registry.sys_selector();
  auto ec = selector->remove(handle_);
  if (state_ && state_->selector.lock() == selector) state_.reset();
  return ec;
}

void IoSource::would_block() noexcept {
  if (!state_) return;
  if (auto selector = state_->selector.lock()) selector->rearm(state_->fd, state_->generation);
}

NativeHandle IoSource::release() noexcept {
  forget(state_);
  NativeHandle handle = handle_;
  handle_ = kInvalidHandle;
  return handle;
}

void IoSource::close() noexcept {
  // The registration goes first: once the fd is closed its number may name another file.
  forget(state_);
  if (handle_ != kInvalidHandle) ::close(handle_);
  handle_ = kInvalidHandle;
}

}  // namespace pollux::detail
