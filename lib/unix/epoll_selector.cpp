// Selector over epoll, edge-triggered.

#include "epoll_selector.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <climits>
#include <cstring>

#include "fd_registry.hpp"

namespace pollux::sys {

namespace {

constexpr std::uint32_t from_epoll(std::uint32_t e) noexcept {
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

// from_epoll runs once per event; as a table it is a shift, two masks and a load instead
// of a chain of tests. The six bits it reads are packed into an index: EPOLLIN, EPOLLPRI,
// EPOLLOUT, EPOLLERR and EPOLLHUP are bits 0-4 in the kernel's ABI, EPOLLRDHUP moves from
// bit 13 to bit 5. Bits outside these six are not ones pollux asks for.
static_assert(EPOLLIN == 0x01 && EPOLLPRI == 0x02 && EPOLLOUT == 0x04 && EPOLLERR == 0x08 &&
              EPOLLHUP == 0x10 && EPOLLRDHUP == 0x2000);
constexpr std::uint32_t pack(std::uint32_t e) noexcept { return (e & 0x1f) | ((e >> 8) & 0x20); }
constexpr std::uint32_t unpack(std::uint32_t i) noexcept { return (i & 0x1f) | ((i & 0x20) << 8); }

constexpr auto kFlags = [] {
  std::array<std::uint8_t, 64> table{};
  for (std::uint32_t i = 0; i < table.size(); ++i) table[i] = static_cast<std::uint8_t>(from_epoll(unpack(i)));
  return table;
}();
static_assert(kFlags[pack(EPOLLIN | EPOLLRDHUP)] == (Event::kReadable | Event::kReadClosed));
static_assert(kFlags[pack(EPOLLERR)] == (Event::kError | Event::kWriteClosed));

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
    if (have_pwait2.load(std::memory_order_relaxed)) {
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

// The kernel writes its records straight into the caller's Events, and they are turned
// into Events in place: no buffer of our own to size, fill and copy out of. That is safe
// because a record is no larger than an Event and the translation runs from the last
// record down: record i lies in bytes [r*i, r*i + r) and Event i starts at byte e*i with
// r <= e, so writing Event i never touches a record j < i still to be read, and record i
// is copied out before Event i is written.
void translate(Events& events, int n) noexcept {
  static_assert(sizeof(epoll_event) <= sizeof(Event) && alignof(epoll_event) <= alignof(Event));
  Event* const first = EventsAccess::data(events);
  Event* out = first + n;
  const auto* record_bytes = reinterpret_cast<const unsigned char*>(first) + static_cast<std::size_t>(n) * sizeof(epoll_event);
  while (out != first) {
    --out;
    record_bytes -= sizeof(epoll_event);
    epoll_event record;
    std::memcpy(&record, record_bytes, sizeof record);
    *out = Event(Token(static_cast<std::size_t>(record.data.u64)), kFlags[pack(record.events)]);
  }
  EventsAccess::set_size(events, static_cast<std::size_t>(n));
}

epoll_event* records_of(Events& events) noexcept {
  return reinterpret_cast<epoll_event*>(static_cast<void*>(EventsAccess::data(events)));
}

int max_of(const Events& events) noexcept {
  static_assert(Events::kMaxCapacity <= INT_MAX);
  return static_cast<int>(EventsAccess::capacity(events));
}

// A failed blocking wait, retried after a signal: out of the way of the path every poll
// takes.
[[gnu::cold, gnu::noinline]] std::error_code select_failed(int epfd, Events& events) noexcept {
  for (;;) {
    if (errno != EINTR) return errno_code();
    const int n = ::epoll_wait(epfd, records_of(events), max_of(events), -1);
    if (n >= 0) {
      translate(events, n);
      return {};
    }
  }
}

[[gnu::noinline]] std::error_code select_timed(int epfd, Events& events, std::chrono::nanoseconds timeout) noexcept {
  const int n = wait_timed(epfd, records_of(events), max_of(events), timeout);
  if (n < 0) return errno_code();
  translate(events, n);
  return {};
}

}  // namespace

Selector::~Selector() { ::close(epfd_); }

std::shared_ptr<Selector> selector_create(std::error_code& ec) {
  int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) {
    ec = errno_code();
    return nullptr;
  }
  ec.clear();
  return std::shared_ptr<Selector>(new Selector(fd), [](Selector* selector) { selector->release(); });
}

std::error_code selector_select(Selector& selector,
                                Events& events,
                                std::optional<std::chrono::nanoseconds> timeout) {
  // Each path ends in a tail call or a return, so that only the selector and the Events
  // are kept across the blocking path's system call.
  if (timeout) [[unlikely]] return select_timed(selector.fd(), events, *timeout);
  const int n = ::epoll_wait(selector.fd(), records_of(events), max_of(events), -1);
  if (n < 0) [[unlikely]] return select_failed(selector.fd(), events);
  translate(events, n);
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
