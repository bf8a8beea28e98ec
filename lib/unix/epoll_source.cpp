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

namespace pollux {

namespace detail {

NativeHandle IoSource::release() noexcept {
  // ENOENT when the source was removed already (sys::SourceState says why that is left).
  if (sys::Selector* selector = state_.selector(); selector != nullptr && handle_ != kInvalidHandle) {
    ::epoll_ctl(selector->fd(), EPOLL_CTL_DEL, handle_, nullptr);
  }
  state_.forget();
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
