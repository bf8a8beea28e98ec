// IoSource for the epoll backend. epoll keeps the whole registration in the kernel and
// is edge-triggered natively, so no per-source state is needed and nothing is re-armed.

#include <unistd.h>

#include <pollux/detail/io_source.hpp>
#include <pollux/poll.hpp>

#include "epoll_selector.hpp"
#include "fd_registry.hpp"

namespace pollux {
namespace sys {
struct SourceState {};
}  // namespace sys

namespace detail {

std::error_code IoSource::add_to(const Registry& registry, Token token, Interest interest) {
  return sys::fd_add(registry.sys_selector(), handle_, token, interest);
}

std::error_code IoSource::modify_in(const Registry& registry, Token token, Interest interest) {
  return sys::fd_modify(registry.sys_selector(), handle_, token, interest);
}

std::error_code IoSource::remove_from(const Registry& registry) {
  return sys::fd_remove(registry.sys_selector(), handle_);
}

void IoSource::would_block() noexcept {}

NativeHandle IoSource::release() noexcept {
  NativeHandle handle = handle_;
  handle_ = kInvalidHandle;
  return handle;
}

void IoSource::close() noexcept {
  // Closing the last reference to the file also removes it from every epoll set.
  if (handle_ != kInvalidHandle) ::close(handle_);
  handle_ = kInvalidHandle;
}

}  // namespace detail
}  // namespace pollux
