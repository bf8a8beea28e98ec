// IoSource for the poll(2) backend. The registrations live in the Selectors; the source
// keeps a weak handle to each (selector + generation), so that would-block can re-arm the
// emulated edges, and so that nothing breaks when a Poll is destroyed before the source.

#include <unistd.h>

#include <algorithm>

#include <pollux/detail/io_source.hpp>
#include <pollux/poll.hpp>

#include "poll_selector.hpp"

namespace pollux::detail {

namespace {

// Removes every registration this state still refers to.
void forget(sys::SourceState& state) noexcept {
  if (!state) return;
  for (const auto& link : state->links) {
    if (auto selector = link.selector.lock()) selector->drop(state->fd, link.generation);
  }
  state.reset();
}

}  // namespace
}  // namespace pollux::detail

namespace pollux::sys {

std::error_code source_add(NativeHandle handle,
                           SourceState& state,
                           const std::shared_ptr<Selector>& selector,
                           Token token,
                           Interest interest) {
  std::uint64_t generation = 0;
  // A second add to the same Poll fails here with file_exists, as EPOLL_CTL_ADD does.
  if (auto ec = selector->add(handle, token, interest, &generation)) return ec;
  if (!state) state = std::make_shared<SourceRecord>();
  auto& links = state->links;
  // Links to Polls that are gone, or to registrations removed through a SourceFd of the
  // same fd, are dead weight: drop them while we are here.
  links.erase(std::remove_if(links.begin(), links.end(),
                             [&](const SourceRecord::Link& link) {
                               auto linked = link.selector.lock();
                               return !linked || !linked->is_registered(handle, link.generation);
                             }),
              links.end());
  state->fd = handle;
  links.push_back({selector, generation});
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
  auto ec = selector->remove(handle);
  if (state) {
    auto& links = state->links;
    links.erase(std::remove_if(links.begin(), links.end(),
                               [&](const SourceRecord::Link& link) { return link.selector.lock() == selector; }),
                links.end());
  }
  return ec;
}

void source_would_block(SourceState& state) noexcept {
  if (!state) return;
  for (const auto& link : state->links) {
    if (auto selector = link.selector.lock()) selector->rearm(state->fd, link.generation);
  }
}

}  // namespace pollux::sys

namespace pollux::detail {

NativeHandle IoSource::release() noexcept {
  forget(state_);
  NativeHandle handle = handle_;
  handle_ = kInvalidHandle;
  return handle;
}

void IoSource::close() noexcept {
  // The registrations go first: once the fd is closed its number may name another file.
  forget(state_);
  if (handle_ != kInvalidHandle) ::close(handle_);
  handle_ = kInvalidHandle;
}

}  // namespace pollux::detail
