// IoSource for the epoll backend: what its inline half (pollux/sys/selector.hpp) leaves
// out of line. epoll keeps the whole registration in the kernel and is edge-triggered
// natively, so nothing is re-armed; the source only remembers which Selectors hold its
// registrations, so that release() can take them out: the fd lives on elsewhere, and
// without that its old tokens would keep firing there.

#include <sys/epoll.h>
#include <unistd.h>

#include <pollux/detail/io_source.hpp>
#include <pollux/poll.hpp>

#include "epoll_selector.hpp"

#include <algorithm>
#include <new>

namespace pollux {

namespace sys {

void SourceState::remember_another(Selector* selector) noexcept {
  if (selector_ == nullptr) {
    selector->retain();
    selector_ = selector;
    return;
  }
  // A source in several Polls: each set is left when the source closes.
  if (others_ != nullptr && std::find(others_->begin(), others_->end(), selector) != others_->end()) return;
  try {
    if (others_ == nullptr) others_ = new std::vector<Selector*>;
    others_->push_back(selector);
  } catch (const std::bad_alloc&) {
    return;  // without memory only this set is not left explicitly (its close still is)
  }
  selector->retain();
}

void SourceState::leave(int fd) noexcept {
  // ENOENT where the source was removed already (the class says why that is left).
  if (selector_ != nullptr) ::epoll_ctl(selector_->fd(), EPOLL_CTL_DEL, fd, nullptr);
  if (others_ != nullptr) {
    for (Selector* other : *others_) ::epoll_ctl(other->fd(), EPOLL_CTL_DEL, fd, nullptr);
  }
  forget();
}

void SourceState::forget() noexcept {
  if (std::vector<Selector*>* others = std::exchange(others_, nullptr)) {
    for (Selector* other : *others) other->release();
    delete others;
  }
  if (Selector* s = std::exchange(selector_, nullptr)) s->release();
}

}  // namespace sys

namespace detail {

NativeHandle IoSource::release() noexcept {
  if (handle_ != kInvalidHandle) {
    state_.leave(handle_);
  } else {
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
