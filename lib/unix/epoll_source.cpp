// SPDX-License-Identifier: MIT
// IoSource for the epoll backend: what its inline half (pollux/sys/selector.hpp) leaves
// out of line. epoll keeps the whole registration in the kernel and is edge-triggered
// natively, so nothing is re-armed; the source only remembers which Selector holds its
// registration, so that release() can take it out: the fd lives on elsewhere, and without
// that its old token would keep firing there.

#include <sys/epoll.h>
#include <unistd.h>

#include <pollux/detail/io_source.hpp>
#include <pollux/poll.hpp>

#include "epoll_selector.hpp"

namespace pollux::inline POLLUX_ABI() {

namespace sys {

std::error_code source_add_again(SourceState& state,
                                 Selector& selector,
                                 NativeHandle fd,
                                 Token token,
                                 Interest interest) noexcept {
  Selector* held = state.selector();
  // Registered here as far as the source knows: the kernel answers, EEXIST, or success
  // where the fd left the set behind pollux's back (a SourceFd of it was removed).
  if (held == &selector) return selector.ctl(EPOLL_CTL_ADD, fd, token, interest);
  if (!held->is_orphaned()) return std::make_error_code(std::errc::file_exists);
  // The Poll it was added to is gone, and with it the registration, as on every backend:
  // nothing can poll that set again. It is left all the same, since other sources may
  // keep it open for a while.
  if (auto ec = selector.ctl(EPOLL_CTL_ADD, fd, token, interest)) return ec;
  ::epoll_ctl(held->fd(), EPOLL_CTL_DEL, fd, nullptr);
  state.forget();
  state.remember(&selector);
  return {};
}

std::error_code source_not_added() noexcept {
  return std::make_error_code(std::errc::no_such_file_or_directory);
}

}  // namespace sys

namespace detail {

NativeHandle IoSource::release() noexcept {
  if (sys::Selector* selector = state_.selector()) {
    if (handle_ != kInvalidHandle) ::epoll_ctl(selector->fd(), EPOLL_CTL_DEL, handle_, nullptr);
    state_.forget();
  }
  NativeHandle handle = handle_;
  handle_ = kInvalidHandle;
  return handle;
}

void IoSource::close() noexcept {
  // Closing the last reference to a file removes it from epoll, but ours may not be the
  // last: a child being spawned by another thread holds a copy of the fd table until its
  // exec, and meanwhile the registration would keep reporting a token whose owner is
  // gone. So a registered source leaves explicitly, as release() does.
  if (NativeHandle handle = release(); handle != kInvalidHandle) ::close(handle);
}

}  // namespace detail
}  // namespace pollux
