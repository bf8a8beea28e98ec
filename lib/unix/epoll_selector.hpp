#pragma once
// The epoll backend's Selector, shared by its selector, waker and source files.

#include <sys/epoll.h>

#include <array>
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
  // Inline: the IoSource's add and modify are this call and nothing else.
  std::error_code ctl(int op, int fd, Token token, Interest interest) noexcept {
    epoll_event ev{};
    ev.events = kEpollInterest[interest.bits() & 7];
    ev.data.u64 = token.value();
    if (::epoll_ctl(epfd_, op, fd, &ev) < 0) [[unlikely]] return errno_code();
    return {};
  }
  std::error_code select(Event* out,
                         std::size_t capacity,
                         std::size_t& count,
                         std::optional<std::chrono::nanoseconds> timeout) noexcept;

 private:
  int wait_timed(epoll_event* records, int max, std::chrono::nanoseconds timeout) noexcept;

  int epfd_;
};

}  // namespace pollux::sys
