// Selector over epoll, edge-triggered.

#include "epoll_selector.hpp"
#include "../selector_select.hpp"

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

// Kept out of line: when the timed path shared select()'s body, GCC hoisted its clock and
// division arithmetic into the blocking path too, a fifth of select()'s instructions.
[[gnu::noinline]] int Selector::wait_timed(epoll_event* records, int max, std::chrono::nanoseconds timeout) noexcept {
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
      n = ::syscall(SYS_epoll_pwait2, epfd_, records, max, &ts, nullptr, 0);
      waited = n >= 0 || errno != ENOSYS;
      if (!waited) have_pwait2.store(false, std::memory_order_relaxed);
    }
    if (!waited) {
      auto rounded = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
      n = ::epoll_wait(epfd_, records, max, rounded > INT_MAX ? INT_MAX : static_cast<int>(rounded));
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
std::error_code Selector::select(Event* out,
                                 std::size_t capacity,
                                 std::size_t& count,
                                 std::optional<std::chrono::nanoseconds> timeout) noexcept {
  static_assert(sizeof(epoll_event) <= sizeof(Event) && alignof(epoll_event) <= alignof(Event));
  auto* records = reinterpret_cast<epoll_event*>(static_cast<void*>(out));
  const int max = capacity > INT_MAX ? INT_MAX : static_cast<int>(capacity);
  int n;
  if (timeout) [[unlikely]] {
    n = wait_timed(records, max, *timeout);
  } else {
    while ((n = ::epoll_wait(epfd_, records, max, -1)) < 0 && errno == EINTR) {
    }
  }
  if (n < 0) [[unlikely]] return errno_code();
  const auto* bytes = reinterpret_cast<const unsigned char*>(records);
  for (int i = n - 1; i >= 0; --i) {
    epoll_event record;
    std::memcpy(&record, bytes + static_cast<std::size_t>(i) * sizeof record, sizeof record);
    out[i] = Event(Token(static_cast<std::size_t>(record.data.u64)), kFlags[pack(record.events)]);
  }
  count = static_cast<std::size_t>(n);
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
