// SPDX-License-Identifier: MIT
#pragma once
// The epoll backend's inline half of lib/sys.hpp: the Selector (an epoll fd), Poll::poll's
// path for a blocking wait, and the registration of a source. epoll keeps registrations in
// the kernel, so each of these is the system call and a few instructions around it; they
// live here, inline, so that a program pays no call into the library for them (the
// rest of the backend is in lib/unix/epoll_*.cpp).

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

#include <pollux/config.hpp>
#include <pollux/detail/selector_fwd.hpp>
#include <pollux/event.hpp>
#include <pollux/interest.hpp>
#include <pollux/sys/libc.hpp>
#include <pollux/token.hpp>

namespace pollux::inline POLLUX_ABI()::sys {

// Interest's three bits index the epoll mask. EPOLLRDHUP lets a peer's shutdown show as
// read_closed without a read.
inline constexpr auto kEpollInterest = [] {
  std::array<std::uint32_t, 8> table{};
  for (std::uint8_t bits = 0; bits < table.size(); ++bits) {
    std::uint32_t events = libc::kEpollEt;
    if (bits & Interest::readable.bits()) events |= libc::kEpollIn | libc::kEpollRdHup;
    if (bits & Interest::writable.bits()) events |= libc::kEpollOut;
    if (bits & Interest::priority.bits()) events |= libc::kEpollPri;
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

  // A registered source keeps its Selector alive through this count, beside the
  // shared_ptr that Registries and Wakers hold (whose deleter gives up the owners' one
  // reference): it must be able to leave the epoll set when it is closed, so the epoll
  // fd may not be closed (and its number reused) before that. A remove gives it back.
  void retain() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) [[unlikely]] selector_destroy(this);
  }
  /// release() by a caller that holds a Registry of this Selector, whose owners'
  /// reference therefore outlives the call: never the last one.
  void release_shared() noexcept { refs_.fetch_sub(1, std::memory_order_release); }
  /// The owners' reference is given up: no Poll, Registry or Waker of this set is left,
  /// so nothing can poll it again (it lives on while sources still refer to it).
  void orphan() noexcept {
    orphaned_.store(true, std::memory_order_relaxed);
    release();
  }
  bool is_orphaned() const noexcept { return orphaned_.load(std::memory_order_relaxed); }
  std::error_code ctl(int op, int fd, Token token, Interest interest) noexcept {
    libc::EpollEvent ev{};
    ev.events = kEpollInterest[interest.bits() & 7];
    ev.data.u64 = token.value();
    if (::epoll_ctl(epfd_, op, fd, libc::kernel_records(&ev)) < 0) [[unlikely]] return errno_error(errno);
    return {};
  }

 private:
  int epfd_;
  std::atomic<long> refs_{1};
  std::atomic<bool> orphaned_{false};
};

/// A wait that a signal interrupted, or that failed: out of line. `timeout_ms` is what the
/// wait was given, -1 (blocking: retried) or 0 (nothing remains to retry).
POLLUX_API std::error_code select_interrupted(Selector& selector, Events& events,
                                              int timeout_ms) noexcept;

/// Poll::poll. A blocking wait into an open Poll's non-empty Events is the call every
/// event loop makes, and is this: the kernel writes its records into the Events, whose
/// Event is the epoll_event (sys/event.hpp). So is a zero timeout (a loop that polls
/// between other work), which needs no clock: epoll_wait takes it as it is. Every other
/// case is select_checked's.
inline std::error_code poll_select(Selector* selector,
                                   Events& events,
                                   std::optional<std::chrono::nanoseconds> timeout) noexcept {
  static_assert(Events::kMaxCapacity <= INT_MAX);
  int timeout_ms = -1;
  if (timeout.has_value()) {
    if (timeout->count() != 0) [[unlikely]] return select_checked(selector, events, timeout);
    timeout_ms = 0;
  }
  // An empty Poll's error does not depend on the timeout: passing it on made the caller
  // build the optional in memory on every poll.
  if (selector == nullptr) [[unlikely]] return select_checked(nullptr, events, std::nullopt);
  // Events of capacity zero need no test here: the kernel refuses a maxevents of zero
  // (EINVAL, which compares equal to std::errc::invalid_argument) before it waits.
  const int n = ::epoll_wait(selector->fd(), libc::kernel_records(EventsAccess::records(events)),
                             static_cast<int>(EventsAccess::capacity(events)), timeout_ms);
  if (n < 0) [[unlikely]] return select_interrupted(*selector, events, timeout_ms);
  EventsAccess::set_size(events, static_cast<std::size_t>(n));
  return {};
}

/// What a detail::IoSource keeps on epoll: the Selector it is registered with, and a
/// reference to it, so that release() and close() can take the registration out. A closed
/// fd leaves epoll by itself only when no dup of it lives, and a child being spawned by
/// another thread holds one until its exec.
///
/// A source is in one Poll at a time: a second Poll's add answers file_exists, as on
/// every backend (unix::SourceFd, which keeps no state, may watch one fd from several).
/// A remove gives the reference up, so that a Poll whose sources were all removed closes
/// its epoll fd when it is dropped; that costs an atomic on add and one on remove.
class SourceState {
 public:
  SourceState() noexcept = default;
  SourceState(SourceState&& other) noexcept : selector_(std::exchange(other.selector_, nullptr)) {}
  SourceState& operator=(SourceState&& other) noexcept {
    std::swap(selector_, other.selector_);
    return *this;
  }
  ~SourceState() { forget(); }

  /// The Selector holding the registration; null when there is none.
  Selector* selector() const noexcept { return selector_; }
  void remember(Selector* selector) noexcept {
    selector->retain();
    selector_ = selector;
  }
  /// After a remove through a Registry of the Selector (see release_shared).
  void forget_shared() noexcept {
    selector_->release_shared();
    selector_ = nullptr;
  }
  void forget() noexcept {
    if (Selector* s = std::exchange(selector_, nullptr)) s->release();
  }

 private:
  Selector* selector_ = nullptr;
};

/// A source_add whose source is registered already: file_exists, unless the Poll it is
/// registered with is gone. The fd comes third, where epoll_ctl takes it: the caller
/// then loads it once into the register both calls want.
POLLUX_API std::error_code source_add_again(SourceState& state,
                                            Selector& selector,
                                            NativeHandle fd,
                                            Token token,
                                            Interest interest) noexcept;

inline std::error_code source_add(NativeHandle fd,
                                  SourceState& state,
                                  const std::shared_ptr<Selector>& selector,
                                  Token token,
                                  Interest interest) noexcept {
  Selector* s = selector.get();
  if (state.selector() != nullptr) [[unlikely]] return source_add_again(state, *s, fd, token, interest);
  if (auto ec = s->ctl(libc::kEpollCtlAdd, fd, token, interest)) [[unlikely]] return ec;
  state.remember(s);
  return {};
}

inline std::error_code source_modify(NativeHandle fd,
                                     SourceState&,
                                     const std::shared_ptr<Selector>& selector,
                                     Token token,
                                     Interest interest) noexcept {
  return selector->ctl(libc::kEpollCtlMod, fd, token, interest);
}

/// Removing a source that another Poll holds (or none): no_such_file_or_directory.
[[gnu::cold, gnu::noinline]] POLLUX_API std::error_code source_not_added() noexcept;

inline std::error_code source_remove(NativeHandle fd, SourceState& state, const std::shared_ptr<Selector>& selector) noexcept {
  Selector* s = selector.get();
  if (state.selector() != s) [[unlikely]] return source_not_added();
  if (::epoll_ctl(s->fd(), libc::kEpollCtlDel, fd, nullptr) < 0) [[unlikely]] return errno_error(errno);
  state.forget_shared();
  return {};
}

/// epoll is edge-triggered in the kernel: nothing to re-arm.
inline void source_would_block(SourceState&) noexcept {}

/// Whether a source's readiness, once reported, stays quiet until an operation on a
/// pollux type meets would-block or Registry::modify re-arms it (I/O done on the raw
/// handle needs the modify). Not on epoll.
inline constexpr bool kEmulatedEdges = false;

}  // namespace pollux::sys
