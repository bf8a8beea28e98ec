#pragma once
// The epoll backend's Selector, shared by its selector, waker and source files.

#include <sys/epoll.h>

#include <mutex>
#include <vector>

#include "../sys.hpp"

namespace pollux::sys {

class Selector {
 public:
  explicit Selector(int epfd) noexcept : epfd_(epfd) {}
  Selector(const Selector&) = delete;
  Selector& operator=(const Selector&) = delete;
  ~Selector();

  int fd() const noexcept { return epfd_; }
  std::error_code ctl(int op, int fd, Token token, Interest interest) noexcept;
  std::size_t select(Event* out,
                     std::size_t capacity,
                     std::optional<std::chrono::nanoseconds> timeout,
                     std::error_code& ec);

 private:
  int wait_timed(int max, std::chrono::nanoseconds timeout) noexcept;

  int epfd_;
  // Kernel records are translated into portable Events after each wait; the buffer is
  // grown once to the largest Events capacity seen and reused. One thread selects at a time.
  std::vector<epoll_event> buffer_;
};

}  // namespace pollux::sys
