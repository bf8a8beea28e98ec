// SPDX-License-Identifier: MIT
// IoSource for the poll(2) backend. The registration lives in the Selector; the source
// keeps a weak handle to it (selector + generation), so that would-block can re-arm the
// emulated edges, and so that nothing breaks when a Poll is destroyed before the source.

#include <unistd.h>

#include <pollux/detail/io_source.hpp>
#include <pollux/poll.hpp>

#include "poll_selector.hpp"

namespace pollux::inline POLLUX_ABI()::detail {

namespace {

// Removes the registration this state still refers to, if any.
void forget(sys::SourceState& state) noexcept {
  if (!state) return;
  if (auto selector = state->selector.lock()) selector->drop(state->fd, state->generation);
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
  if (state) {
    // Registered with another Poll that lives: refused, as on every backend. A Poll that
    // is gone, or a registration removed through a SourceFd of the same fd, is over.
    auto held = state->selector.lock();
    if (held && held != selector && held->is_registered(state->fd, state->generation)) {
      return std::make_error_code(std::errc::file_exists);
    }
  }
  std::uint64_t generation = 0;
  // A second add to the same Poll fails here with file_exists, as EPOLL_CTL_ADD does.
  if (auto ec = selector->add(handle, token, interest, &generation)) return ec;
  if (!state) state = std::make_shared<SourceRecord>();
  state->fd = handle;
  state->selector = selector;
  state->generation = generation;
  return {};
}

std::error_code source_modify(NativeHandle handle,
                              SourceState&,
                              const std::shared_ptr<Selector>& selector,
                              Token token,
                              Interest interest) {
  return selector->modify(handle, token, interest);
}

std::error_code source_remove(NativeHandle handle, SourceState& state, const std::shared_ptr<Selector>& selector) {
  if (!state || state->selector.lock() != selector) {
    return std::make_error_code(std::errc::no_such_file_or_directory);
  }
  auto ec = selector->remove(handle);
  // Whatever the answer, a registration that is gone is forgotten with its Poll.
  if (!ec || !selector->is_registered(state->fd, state->generation)) state->selector.reset();
  return ec;
}

void source_would_block(SourceState& state) noexcept {
  if (!state) return;
  if (auto selector = state->selector.lock()) selector->rearm(state->fd, state->generation);
}

}  // namespace pollux::sys

namespace pollux::inline POLLUX_ABI()::detail {

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
