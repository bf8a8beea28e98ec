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
void forget(std::shared_ptr<sys::SourceState>& state) noexcept {
  if (!state) return;
  for (const auto& link : state->links) {
    if (auto selector = link.selector.lock()) selector->drop(state->fd, link.generation);
  }
  state.reset();
}

}  // namespace

std::error_code IoSource::add_to(const Registry& registry, Token token, Interest interest) {
  std::uint64_t generation = 0;
  // A second add to the same Poll fails here with file_exists, as EPOLL_CTL_ADD does.
  if (auto ec = registry.sys_selector()->add(handle_, token, interest, &generation)) return ec;
  if (!state_) state_ = std::make_shared<sys::SourceState>();
  auto& links = state_->links;
  // Links to Polls that are gone, or to registrations removed through a SourceFd of the
  // same fd, are dead weight: drop them while we are here.
  links.erase(std::remove_if(links.begin(), links.end(),
                             [&](const sys::SourceState::Link& link) {
                               auto selector = link.selector.lock();
                               return !selector || !selector->is_registered(handle_, link.generation);
                             }),
              links.end());
  state_->fd = handle_;
  links.push_back({registry.sys_selector(), generation});
  return {};
}

std::error_code IoSource::modify_in(const Registry& registry, Token token, Interest interest) {
  return registry.sys_selector()->modify(handle_, token, interest);
}

std::error_code IoSource::remove_from(const Registry& registry) {
  const auto& selector = registry.sys_selector();
  auto ec = selector->remove(handle_);
  if (state_) {
    auto& links = state_->links;
    links.erase(std::remove_if(links.begin(), links.end(),
                               [&](const sys::SourceState::Link& link) {
                                 return link.selector.lock() == selector;
                               }),
                links.end());
  }
  return ec;
}

void IoSource::would_block() noexcept {
  if (!state_) return;
  for (const auto& link : state_->links) {
    if (auto selector = link.selector.lock()) selector->rearm(state_->fd, link.generation);
  }
}

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
