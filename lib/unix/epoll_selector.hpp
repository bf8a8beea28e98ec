#pragma once
// The epoll backend's Selector, shared by its selector, waker and source files.

#include <sys/epoll.h>

#include <array>
#include <atomic>
#include <cstdint>

#include "../sys.hpp"
#include "errno.hpp"

namespace pollux::sys {

// Interest's three bits index the epoll mask: registration is on every add and modify's
// path, and a load costs less than three tests. EPOLLRDHUP lets a peer's shutdown show as
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

class Selector {
 public:
  explicit Selector(int epfd) noexcept : epfd_(epfd) {}
  Selector(const Selector&) = delete;
  Selector& operator=(const Selector&) = delete;
  ~Selector();

  int fd() const noexcept { return epfd_; }

  // Registered sources keep their Selector alive through this count, beside the
  // shared_ptr that Registries hold (whose deleter gives up the owners' one reference):
  // a shared_ptr copy on every add and its release on every remove cost more than the
  // epoll_ctl's own wrapper (epoll_source.cpp).
  void retain() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
  // Inline: the IoSource's add and modify are this call and nothing else.
  std::error_code ctl(int op, int fd, Token token, Interest interest) noexcept {
    epoll_event ev{};
    ev.events = kEpollInterest[interest.bits() & 7];
    ev.data.u64 = token.value();
    if (::epoll_ctl(epfd_, op, fd, &ev) < 0) [[unlikely]] return errno_code();
    return {};
  }

 private:
  int epfd_;
  std::atomic<long> refs_{1};
};

}  // namespace pollux::sys
