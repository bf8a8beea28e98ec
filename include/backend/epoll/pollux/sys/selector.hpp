#pragma once
// The epoll backend's inline half of lib/sys.hpp: the Selector (an epoll fd), Poll::poll's
// path for a blocking wait, and the registration of a source. epoll keeps registrations in
// the kernel, so each of these is the system call and a few instructions around it; they
// live here, inline, so that a program pays no call into the library for them (the
// rest of the backend is in lib/unix/epoll_*.cpp).

#include <sys/epoll.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include <pollux/config.hpp>
#include <pollux/detail/selector_fwd.hpp>
#include <pollux/event.hpp>
#include <pollux/interest.hpp>
#include <pollux/token.hpp>

namespace pollux::sys {

// Interest's three bits index the epoll mask. EPOLLRDHUP lets a peer's shutdown show as
// read_closed without a read.
inline constexpr auto kEpollInterest = [] {
  std::array<std::uint32_t, 8> table{};
  for (std::uint8_t bits = 0; bits < table.size(); ++bits) {
    std::uint32_t events = EPOLLET;
    if (bits & Interest::readable.bits()) events |= EPOLLIN | EPOLLRDHUP;
    if (bits & Interest::writable.bits()) events |= EPOLLOUT;
    if (bits & Interest::priority.bits()) events |= EPOLLPRI;
    table[bits] = events;
  }
  return table;
}();

/// errno as an error_code; EAGAIN reported as EWOULDBLOCK, the code that compares equal
/// to std::errc::operation_would_block everywhere. Out of line: only failures call it,
/// and inlined (by LTO) its std::system_category() call was hoisted into the loops that
/// call it, onto their successful path.
[[gnu::cold, gnu::noinline]] POLLUX_API std::error_code errno_error(int e) noexcept;

class Selector;
/// Closes the epoll fd and frees the Selector: its last reference is gone.
POLLUX_API void selector_destroy(Selector* selector) noexcept;

class Selector {
 public:
  explicit Selector(int epfd) noexcept : epfd_(epfd) {}
  Selector(const Selector&) = delete;
  Selector& operator=(const Selector&) = delete;

  int fd() const noexcept { return epfd_; }

  // Registered sources keep their Selector alive through this count, beside the
  // shared_ptr that Registries hold (whose deleter gives up the owners' one reference):
  // a registered source must be able to leave the epoll set when it is closed, so its
  // epoll fd may not be closed (and its number reused) before that.
  void retain() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) [[unlikely]] selector_destroy(this);
  }
  std::error_code ctl(int op, int fd, Token token, Interest interest) noexcept {
    epoll_event ev{};
    ev.events = kEpollInterest[interest.bits() & 7];
    ev.data.u64 = token.value();
    if (::epoll_ctl(epfd_, op, fd, &ev) < 0) [[unlikely]] return errno_error(errno);
    return {};
  }

 private:
  int epfd_;
  std::atomic<long> refs_{1};
};

/// A blocking wait that a signal interrupted (retried), or that failed: out of line.
POLLUX_API std::error_code select_interrupted(Selector& selector, Events& events) noexcept;

/// Poll::poll. A blocking wait into an open Poll's non-empty Events is the call every
/// event loop makes, and is this: the kernel writes its records into the Events, whose
/// Event is the epoll_event (sys/event.hpp). Every other case is select_checked's.
inline std::error_code poll_select(Selector* selector,
                                   Events& events,
                                   std::optional<std::chrono::nanoseconds> timeout) noexcept {
  static_assert(Events::kMaxCapacity <= INT_MAX);
  if (selector == nullptr || timeout.has_value()) [[unlikely]] return select_checked(selector, events, timeout);
  // Events of capacity zero need no test here: the kernel refuses a maxevents of zero
  // (EINVAL, which compares equal to std::errc::invalid_argument) before it waits.
  const int n = ::epoll_wait(selector->fd(), EventsAccess::records(events),
                             static_cast<int>(EventsAccess::capacity(events)), -1);
  if (n < 0) [[unlikely]] return select_interrupted(*selector, events);
  EventsAccess::set_size(events, static_cast<std::size_t>(n));
  return {};
}

/// What a detail::IoSource keeps on epoll: the Selectors it was added to, and a reference
/// to each, so that release() and close() can take its registrations out. A closed fd
/// leaves epoll by itself only when no dup of it lives, and a child being spawned by
/// another thread holds one until its exec.
///
/// A remove leaves the reference in place: the close then asks that set to drop the fd
/// once more and is answered ENOENT, one system call on a path that makes system calls
/// anyway, where forgetting on remove put bookkeeping on every add and remove (an
/// atomic, a compare and a store each). The references are given up when the source is
/// closed or released. The first Selector is kept inline, for the add that every source
/// makes; a source added to several Polls lists the others out of line.
class SourceState {
 public:
  SourceState() noexcept = default;
  SourceState(SourceState&& other) noexcept
      : selector_(std::exchange(other.selector_, nullptr)), others_(std::exchange(other.others_, nullptr)) {}
  SourceState& operator=(SourceState&& other) noexcept {
    std::swap(selector_, other.selector_);
    std::swap(others_, other.others_);
    return *this;
  }
  ~SourceState() { forget(); }

  void remember(Selector* selector) noexcept {
    if (selector_ == selector) [[likely]] return;  // added again to the same Poll
    remember_another(selector);
  }
  /// Takes every registration out of the epoll sets (fd still open), then forgets them.
  POLLUX_API void leave(int fd) noexcept;
  POLLUX_API void forget() noexcept;

 private:
  POLLUX_API void remember_another(Selector* selector) noexcept;

  Selector* selector_ = nullptr;
  std::vector<Selector*>* others_ = nullptr;
};

inline std::error_code source_add(NativeHandle fd,
                                  SourceState& state,
                                  const std::shared_ptr<Selector>& selector,
                                  Token token,
                                  Interest interest) noexcept {
  Selector* s = selector.get();
  if (auto ec = s->ctl(EPOLL_CTL_ADD, fd, token, interest)) [[unlikely]] return ec;
  state.remember(s);
  return {};
}

inline std::error_code source_modify(NativeHandle fd,
                                     SourceState&,
                                     const std::shared_ptr<Selector>& selector,
                                     Token token,
                                     Interest interest) noexcept {
  return selector->ctl(EPOLL_CTL_MOD, fd, token, interest);
}

inline std::error_code source_remove(NativeHandle fd, SourceState&, const std::shared_ptr<Selector>& selector) noexcept {
  if (::epoll_ctl(selector->fd(), EPOLL_CTL_DEL, fd, nullptr) < 0) [[unlikely]] return errno_error(errno);
  return {};
}

/// epoll is edge-triggered in the kernel: nothing to re-arm.
inline void source_would_block(SourceState&) noexcept {}

}  // namespace pollux::sys
