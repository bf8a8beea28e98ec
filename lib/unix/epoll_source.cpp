// IoSource for the epoll backend. epoll keeps the whole registration in the kernel and
// is edge-triggered natively, so nothing is re-armed. The source only remembers which
// Selector holds its registration, so that release() can take it out: the fd lives on
// elsewhere, and without that its old token would keep firing there.

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

// The aliasing constructor shares the Selector's ownership without allocating, so a
// registration on epoll costs no more than the epoll_ctl itself.
std::shared_ptr<sys::SourceState> remember(const std::shared_ptr<sys::Selector>& selector) {
  return {selector, reinterpret_cast<sys::SourceState*>(selector.get())};
}

sys::Selector* selector_of(const std::shared_ptr<sys::SourceState>& state) {
  return reinterpret_cast<sys::Selector*>(state.get());
}

}  // namespace

std::error_code IoSource::add_to(const Registry& registry, Token token, Interest interest) {
  const auto& selector = registry.sys_selector();
  auto ec = selector->ctl(EPOLL_CTL_ADD, handle_, token, interest);
  if (!ec) [[likely]] state_ = remember(selector);
  return ec;
}

std::error_code IoSource::modify_in(const Registry& registry, Token token, Interest interest) {
  return registry.sys_selector()->ctl(EPOLL_CTL_MOD, handle_, token, interest);
}

std::error_code IoSource::remove_from(const Registry& registry) {
  sys::Selector* selector = registry.sys_selector().get();
  const int failed = ::epoll_ctl(selector->fd(), EPOLL_CTL_DEL, handle_, nullptr) < 0 ? errno : 0;
  if (selector_of(state_) == selector) state_.reset();
  if (failed) [[unlikely]] return sys::errno_code(failed);
  return {};
}

void IoSource::would_block() noexcept {}

NativeHandle IoSource::release() noexcept {
  if (state_ && handle_ != kInvalidHandle) {
    ::epoll_ctl(selector_of(state_)->fd(), EPOLL_CTL_DEL, handle_, nullptr);
  }
  state_.reset();
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
