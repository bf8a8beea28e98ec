// SPDX-License-Identifier: MIT
// unix::pipe(): Sender and Receiver over pipe2(2).

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include <pollux/unix/pipe.hpp>

#include "../sys_net.hpp"
#include "errno.hpp"

namespace pollux::inline POLLUX_ABI()::unix {
namespace {

#if defined(IOV_MAX)
constexpr std::size_t kMaxIov = IOV_MAX < 1024 ? IOV_MAX : 1024;
#else
constexpr std::size_t kMaxIov = 16;
#endif

// A write to a pipe without readers raises SIGPIPE, whose default action kills the
// process, and pipes have no MSG_NOSIGNAL. The signal is directed at the writing thread,
// so blocking it in this thread around the write keeps it pending here, where
// sigtimedwait can take it back before the old mask is restored. A SIGPIPE that was
// pending before the write belongs to someone else and is left alone.
template <class Write>
ssize_t write_without_sigpipe(Write write) {
  sigset_t pipe_only, old_mask, pending;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigemptyset(&pending);
  (void)sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  (void)pthread_sigmask(SIG_BLOCK, &pipe_only, &old_mask);

  ssize_t n;
  do {
    n = write();
  } while (n < 0 && errno == EINTR);
  const int saved = errno;

  if (n < 0 && saved == EPIPE && !was_pending) {
    const timespec zero{};
    while (sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  (void)pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  errno = saved;
  return n;
}

template <class Read>
ssize_t read_retrying(Read read) {
  ssize_t n;
  do {
    n = read();
  } while (n < 0 && errno == EINTR);
  return n;
}

std::size_t io_result(ssize_t n, std::error_code& ec) {
  if (n < 0) {
    ec = sys::errno_code();
    return 0;
  }
  ec.clear();
  return static_cast<std::size_t>(n);
}

}  // namespace

std::pair<Sender, Receiver> pipe(std::error_code& ec) {
  int fds[2];
#if defined(O_CLOEXEC) && defined(__linux__)
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
    ec = sys::errno_code();
    return {};
  }
  ec.clear();
#else
  if (::pipe(fds) < 0) {
    ec = sys::errno_code();
    return {};
  }
  Receiver receiver_guard(fds[0]);
  Sender sender_guard(fds[1]);
  if ((ec = sys::socket_prepare_adopted(fds[0])) || (ec = sys::socket_prepare_adopted(fds[1]))) return {};
  (void)receiver_guard.release();
  (void)sender_guard.release();
#endif
  return {Sender(fds[1]), Receiver(fds[0])};
}

Sender Sender::from_native(int fd, std::error_code& ec) {
  if ((ec = sys::socket_prepare_adopted(fd))) return {};
  return Sender(fd);
}

std::size_t Sender::write(std::span<const std::byte> buf, std::error_code& ec) {
  const int fd = io_.handle();
  auto n = io_result(write_without_sigpipe([&] { return ::write(fd, buf.data(), buf.size()); }), ec);
  io_.track(ec);
  return n;
}

std::size_t Sender::write_vectored(std::span<const std::span<const std::byte>> bufs, std::error_code& ec) {
  std::array<iovec, kMaxIov> iov;
  const std::size_t count = std::min(bufs.size(), kMaxIov);
  for (std::size_t i = 0; i < count; ++i) {
    iov[i].iov_base = const_cast<std::byte*>(bufs[i].data());
    iov[i].iov_len = bufs[i].size();
  }
  const int fd = io_.handle();
  auto n = io_result(write_without_sigpipe([&] { return ::writev(fd, iov.data(), static_cast<int>(count)); }), ec);
  io_.track(ec);
  return n;
}

Receiver Receiver::from_native(int fd, std::error_code& ec) {
  if ((ec = sys::socket_prepare_adopted(fd))) return {};
  return Receiver(fd);
}

std::size_t Receiver::read(std::span<std::byte> buf, std::error_code& ec) {
  const int fd = io_.handle();
  auto n = io_result(read_retrying([&] { return ::read(fd, buf.data(), buf.size()); }), ec);
  io_.track(ec);
  return n;
}

std::size_t Receiver::read_vectored(std::span<const std::span<std::byte>> bufs, std::error_code& ec) {
  std::array<iovec, kMaxIov> iov;
  const std::size_t count = std::min(bufs.size(), kMaxIov);
  for (std::size_t i = 0; i < count; ++i) {
    iov[i].iov_base = bufs[i].data();
    iov[i].iov_len = bufs[i].size();
  }
  const int fd = io_.handle();
  auto n = io_result(read_retrying([&] { return ::readv(fd, iov.data(), static_cast<int>(count)); }), ec);
  io_.track(ec);
  return n;
}

}  // namespace pollux::unix
