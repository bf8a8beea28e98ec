// SPDX-License-Identifier: MIT
// Selector over epoll, edge-triggered.

#include "epoll_selector.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <climits>

#include "fd_registry.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

namespace {

// epoll_pwait2 (Linux 5.11) takes a timespec; older kernels answer ENOSYS once and we fall
// back to epoll_wait's milliseconds, rounded up so that a poll never returns early.
std::atomic<bool> have_pwait2{true};

#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif

// Kept out of line: when the timed path shared select()'s body, GCC hoisted its clock and
// division arithmetic into the blocking path too, a fifth of select()'s instructions.
[[gnu::noinline]] int wait_timed(int epfd, epoll_event* records, int max, std::chrono::nanoseconds timeout) noexcept {
  using Clock = std::chrono::steady_clock;
  // Saturated: now() + nanoseconds::max() would overflow into the past.
  const auto now = Clock::now();
  const auto deadline = timeout < Clock::time_point::max() - now ? now + timeout : Clock::time_point::max();
  for (;;) {
    long n = -1;
    bool waited = false;
    // Whole milliseconds that fit epoll_wait's int are its own unit: epoll_wait takes
    // them directly, with no timespec to fill and no generic syscall() call.
    const bool whole_ms = timeout.count() % 1'000'000 == 0 && timeout.count() / 1'000'000 <= INT_MAX;
    if (!whole_ms && have_pwait2.load(std::memory_order_relaxed)) {
      auto ns = timeout.count();
      timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
      n = ::syscall(SYS_epoll_pwait2, epfd, records, max, &ts, nullptr, 0);
      waited = n >= 0 || errno != ENOSYS;
      if (!waited) have_pwait2.store(false, std::memory_order_relaxed);
    }
    if (!waited) {
      auto rounded = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
      n = ::epoll_wait(epfd, records, max, rounded > INT_MAX ? INT_MAX : static_cast<int>(rounded));
    }
    if (n >= 0 || errno != EINTR) return static_cast<int>(n);
    timeout = std::max(std::chrono::nanoseconds(0), deadline - Clock::now());
  }
}

int max_of(const Events& events) noexcept {
  static_assert(Events::kMaxCapacity <= INT_MAX);
  return static_cast<int>(EventsAccess::capacity(events));
}

}  // namespace

std::error_code errno_error(int e) noexcept { return errno_code(e); }

void selector_destroy(Selector* selector) noexcept {
  ::close(selector->fd());
  delete selector;
}

// The kernel's records are the Events' own (pollux/sys/event.hpp): a wait that returned
// n has filled the first n.
std::error_code select_interrupted(Selector& selector, Events& events, int timeout_ms) noexcept {
  for (;;) {
    if (errno != EINTR) {
      EventsAccess::set_size(events, 0);
      return errno_code();
    }
    if (timeout_ms == 0) {  // a zero timeout has no time left to retry with
      EventsAccess::set_size(events, 0);
      return {};
    }
    const int n = ::epoll_wait(selector.fd(), libc::kernel_records(EventsAccess::records(events)),
                               max_of(events), -1);
    if (n >= 0) {
      EventsAccess::set_size(events, static_cast<std::size_t>(n));
      return {};
    }
  }
}

std::shared_ptr<Selector> selector_create(std::error_code& ec) {
  int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) {
    ec = errno_code();
    return nullptr;
  }
  ec.clear();
  // The owners' one reference, beside those of the registered sources.
  return std::shared_ptr<Selector>(new Selector(fd), [](Selector* selector) { selector->orphan(); });
}

NativeHandle selector_native_handle(Selector& selector, std::error_code& ec) noexcept {
  // The epoll fd is readable while its ready list holds an event: another loop can wait
  // on it (epoll nests in epoll, poll(2), select) and call Poll::poll when it is.
  ec.clear();
  return selector.fd();
}

std::error_code selector_select(Selector& selector,
                                Events& events,
                                std::optional<std::chrono::nanoseconds> timeout) {
  if (!timeout) return poll_select(&selector, events, timeout);
  const int n = wait_timed(selector.fd(), libc::kernel_records(EventsAccess::records(events)),
                             max_of(events), *timeout);
  if (n < 0) {
    EventsAccess::set_size(events, 0);
    return errno_code();
  }
  EventsAccess::set_size(events, static_cast<std::size_t>(n));
  return {};
}

std::error_code fd_add(const std::shared_ptr<Selector>& selector, int fd, Token token, Interest interest) {
  return selector->ctl(EPOLL_CTL_ADD, fd, token, interest);
}

std::error_code fd_modify(const std::shared_ptr<Selector>& selector, int fd, Token token, Interest interest) {
  return selector->ctl(EPOLL_CTL_MOD, fd, token, interest);
}

std::error_code fd_remove(const std::shared_ptr<Selector>& selector, int fd) {
  if (::epoll_ctl(selector->fd(), EPOLL_CTL_DEL, fd, nullptr) < 0) return errno_code();
  return {};
}

}  // namespace pollux::sys
