// Selector over epoll, edge-triggered.

#include "epoll_selector.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <climits>

#include "errno.hpp"
#include "fd_registry.hpp"

namespace pollux::sys {

namespace {

std::uint32_t to_epoll(Interest interest) noexcept {
  std::uint32_t events = EPOLLET;
  // EPOLLRDHUP lets a peer's shutdown show as read_closed without a read.
  if (interest.is_readable()) events |= EPOLLIN | EPOLLRDHUP;
  if (interest.is_writable()) events |= EPOLLOUT;
  if (interest.is_priority()) events |= EPOLLPRI;
  return events;
}

std::uint32_t from_epoll(std::uint32_t e) noexcept {
  std::uint32_t flags = 0;
  // A hang-up makes a read return at once (EOF), so it counts as readable too.
  if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) flags |= Event::kReadable;
  if (e & EPOLLOUT) flags |= Event::kWritable;
  if (e & EPOLLERR) flags |= Event::kError;
  if (e & EPOLLPRI) flags |= Event::kPriority;
  if ((e & EPOLLHUP) || (e & (EPOLLIN | EPOLLRDHUP)) == (EPOLLIN | EPOLLRDHUP)) {
    flags |= Event::kReadClosed;
  }
  // EPOLLERR alone is what the write end of a pipe reports when the reader is gone.
  if ((e & EPOLLHUP) || ((e & EPOLLOUT) && (e & EPOLLERR)) || e == EPOLLERR) {
    flags |= Event::kWriteClosed;
  }
  return flags;
}

// epoll_pwait2 (Linux 5.11) takes a timespec; older kernels answer ENOSYS once and we fall
// back to epoll_wait's milliseconds, rounded up so that a poll never returns early.
std::atomic<bool> have_pwait2{true};

#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif

}  // namespace

Selector::~Selector() { ::close(epfd_); }

std::shared_ptr<Selector> selector_create(std::error_code& ec) {
  int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) {
    ec = errno_code();
    return nullptr;
  }
  ec.clear();
  return std::make_shared<Selector>(fd);
}

std::error_code Selector::ctl(int op, int fd, Token token, Interest interest) noexcept {
  epoll_event ev{};
  ev.events = to_epoll(interest);
  ev.data.u64 = token.value();
  if (::epoll_ctl(epfd_, op, fd, &ev) < 0) return errno_code();
  return {};
}

// Kept out of line: when the timed path shared select()'s body, GCC hoisted its clock and
// division arithmetic into the blocking path too, a fifth of select()'s instructions.
[[gnu::noinline]] int Selector::wait_timed(int max, std::chrono::nanoseconds timeout) noexcept {
  using Clock = std::chrono::steady_clock;
  // Saturated: now() + nanoseconds::max() would overflow into the past.
  const auto now = Clock::now();
  const auto deadline = timeout < Clock::time_point::max() - now ? now + timeout : Clock::time_point::max();
  for (;;) {
    long n = -1;
    bool waited = false;
    if (have_pwait2.load(std::memory_order_relaxed)) {
      auto ns = timeout.count();
      timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
      n = ::syscall(SYS_epoll_pwait2, epfd_, buffer_.data(), max, &ts, nullptr, 0);
      waited = n >= 0 || errno != ENOSYS;
      if (!waited) have_pwait2.store(false, std::memory_order_relaxed);
    }
    if (!waited) {
      auto rounded = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
      n = ::epoll_wait(epfd_, buffer_.data(), max, rounded > INT_MAX ? INT_MAX : static_cast<int>(rounded));
    }
    if (n >= 0 || errno != EINTR) return static_cast<int>(n);
    timeout = std::max(std::chrono::nanoseconds(0), deadline - Clock::now());
  }
}

std::size_t Selector::select(Event* out,
                             std::size_t capacity,
                             std::optional<std::chrono::nanoseconds> timeout,
                             std::error_code& ec) {
  if (buffer_.size() < capacity) buffer_.resize(capacity);
  const int max = capacity > INT_MAX ? INT_MAX : static_cast<int>(capacity);
  int n;
  if (timeout) {
    n = wait_timed(max, *timeout);
  } else {
    while ((n = ::epoll_wait(epfd_, buffer_.data(), max, -1)) < 0 && errno == EINTR) {
    }
  }
  if (n < 0) {
    ec = errno_code();
    return 0;
  }
  ec.clear();
  for (int i = 0; i < n; ++i) {
    out[i] = Event(Token(static_cast<std::size_t>(buffer_[i].data.u64)), from_epoll(buffer_[i].events));
  }
  return static_cast<std::size_t>(n);
}

std::size_t selector_select(Selector& selector,
                            Event* out,
                            std::size_t capacity,
                            std::optional<std::chrono::nanoseconds> timeout,
                            std::error_code& ec) {
  return selector.select(out, capacity, timeout, ec);
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
