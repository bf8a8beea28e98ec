// IoSource for the epoll backend. epoll keeps the whole registration in the kernel and
// is edge-triggered natively, so nothing is re-armed. The source only remembers which
// Selector holds its registration (and keeps it alive), so that release() can take it
// out: the fd lives on elsewhere, and without that its old token would keep firing there.

#include <sys/epoll.h>
#include <unistd.h>

#include <pollux/detail/io_source.hpp>
#include <pollux/poll.hpp>

#include "epoll_selector.hpp"

namespace pollux {
namespace sys {
// Never defined: state_ points at the Selector itself through this name.
struct SourceState;
}  // namespace sys

namespace detail {

namespace {

sys::Selector* selector_of(const std::shared_ptr<sys::SourceState>& state) {
  return reinterpret_cast<sys::Selector*>(state.get());
}

// state_ points at the Selector without owning anything (an empty owner, so copying and
// resetting it touch no count); the Selector's own count keeps it alive meanwhile.
std::shared_ptr<sys::SourceState> remember(sys::Selector* selector) noexcept {
  selector->retain();
  return {std::shared_ptr<void>(), reinterpret_cast<sys::SourceState*>(selector)};
}

void forget(std::shared_ptr<sys::SourceState>& state) noexcept {
  if (sys::Selector* selector = selector_of(state)) {
    state.reset();
    selector->release();
  }
}

}  // namespace

std::error_code IoSource::add_to(const Registry& registry, Token token, Interest interest) {
  const auto& selector = registry.sys_selector();
  auto ec = selector->ctl(EPOLL_CTL_ADD, handle_, token, interest);
  if (!ec) [[likely]] {
    forget(state_);  // it may have been added to another Poll before
    state_ = remember(selector.get());
  }
  return ec;
}

std::error_code IoSource::modify_in(const Registry& registry, Token token, Interest interest) {
  return registry.sys_selector()->ctl(EPOLL_CTL_MOD, handle_, token, interest);
}

std::error_code IoSource::remove_from(const Registry& registry) {
  sys::Selector* selector = registry.sys_selector().get();
  const int failed = ::epoll_ctl(selector->fd(), EPOLL_CTL_DEL, handle_, nullptr) < 0 ? errno : 0;
  if (selector_of(state_) == selector) forget(state_);
  if (failed) [[unlikely]] return sys::errno_code(failed);
  return {};
}

void IoSource::would_block() noexcept {}

NativeHandle IoSource::release() noexcept {
  if (state_ && handle_ != kInvalidHandle) {
    ::epoll_ctl(selector_of(state_)->fd(), EPOLL_CTL_DEL, handle_, nullptr);
  }
  forget(state_);
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
