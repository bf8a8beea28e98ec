// SPDX-License-Identifier: MIT
// Waker for the epoll backend: one eventfd per Waker, registered under the Waker's token.

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

#include <pollux/sys/waker.hpp>

#include "epoll_selector.hpp"
#include "errno.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

WakerState* waker_create(const std::shared_ptr<Selector>& selector, Token token, std::error_code& ec) {
  int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) {
    ec = errno_code();
    return nullptr;
  }
  // Edge-triggered: every write to an eventfd is a new edge, so each wake that follows a
  // poll is reported, while wakes between two polls merge into one event.
  if ((ec = selector->ctl(EPOLL_CTL_ADD, fd, token, Interest::readable))) {
    ::close(fd);
    return nullptr;
  }
  return new WakerState{fd, selector};
}

// Out of the way of the path every wake takes (pollux/sys/waker.hpp), which then keeps
// nothing across its system call.
std::error_code waker_wake_again(int fd) noexcept {
  constexpr std::uint64_t kOne = 1;
  for (;;) {
    if (errno == EAGAIN) {
      std::uint64_t drained;
      (void)!::read(fd, &drained, sizeof drained);
    } else if (errno != EINTR) {
      return errno_code();
    }
    if (::write(fd, &kOne, sizeof kOne) == sizeof kOne) return {};
  }
}

void waker_destroy(WakerState* waker) noexcept {
  if (waker == nullptr) return;
  // Closing removes the eventfd from the epoll set only if ours is the last reference to
  // it; a child being spawned by another thread holds a copy until its exec, and a wake
  // still pending would then be reported under a token whose Waker is gone.
  ::epoll_ctl(waker->selector->fd(), EPOLL_CTL_DEL, waker->fd, nullptr);
  ::close(waker->fd);
  delete waker;
}

}  // namespace pollux::sys
