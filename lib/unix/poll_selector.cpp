// SPDX-License-Identifier: MIT
// Selector over poll(2), with edge triggering emulated (see poll_selector.hpp).

#include "poll_selector.hpp"
#include "../selector_select.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

#include "errno.hpp"
#include "fd_registry.hpp"

// ppoll (a timespec timeout) and pipe2 (close-on-exec set atomically) exist on Linux and
// the BSDs, not on macOS; there poll's milliseconds are rounded up, never down.
#if defined(__linux__) || defined(__FreeBSD__) || defined(__NetBSD__) || \
    defined(__OpenBSD__) || defined(__DragonFly__)
#define POLLUX_POLL_HAVE_PPOLL_PIPE2 1
#endif

namespace pollux::inline POLLUX_ABI()::sys {

namespace {

// POLLRDHUP (Linux) lets a shutdown of the read side (the peer's, or our own) show as
// read_closed without a read.
#ifdef POLLRDHUP
constexpr short kRdHup = POLLRDHUP;
#else
constexpr short kRdHup = 0;
#endif
constexpr short kReadBits = POLLIN | kRdHup;
constexpr short kClosedBits = POLLHUP | POLLERR;

short to_poll(Interest interest) noexcept {
  short events = 0;
  if (interest.is_readable()) events |= kReadBits;
  if (interest.is_writable()) events |= POLLOUT;
  if (interest.is_priority()) events |= POLLPRI;
  return events;
}

// The flags the epoll backend derives from the same conditions (sys/event.hpp).
std::uint32_t from_poll(short e) noexcept {
  std::uint32_t flags = 0;
  if (e & (kReadBits | POLLHUP)) flags |= Event::kReadable;
  if (e & POLLOUT) flags |= Event::kWritable;
  if (e & POLLERR) flags |= Event::kError;
  if (e & POLLPRI) flags |= Event::kPriority;
  // POLLRDHUP alone says it: each poll bit is disarmed on its own once reported (see
  // collect_locked), so a shutdown that follows reported data comes without POLLIN.
  if (e & (POLLHUP | kRdHup)) flags |= Event::kReadClosed;
  // POLLERR alone is what the write end of a pipe reports when the reader is gone.
  if ((e & POLLHUP) || ((e & POLLOUT) && (e & POLLERR)) || e == POLLERR) {
    flags |= Event::kWriteClosed;
  }
  return flags;
}

std::error_code make_pipe(int fds[2]) noexcept {
#ifdef POLLUX_POLL_HAVE_PPOLL_PIPE2
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) return errno_code();
#else
  if (::pipe(fds) < 0) return errno_code();
  for (int i = 0; i < 2; ++i) {
    if (::fcntl(fds[i], F_SETFD, FD_CLOEXEC) < 0 ||
        ::fcntl(fds[i], F_SETFL, ::fcntl(fds[i], F_GETFL) | O_NONBLOCK) < 0) {
      auto ec = errno_code();
      ::close(fds[0]);
      ::close(fds[1]);
      return ec;
    }
  }
#endif
  return {};
}

using Clock = std::chrono::steady_clock;

int wait(pollfd* fds, std::size_t n, std::optional<Clock::time_point> deadline) noexcept {
#ifdef POLLUX_POLL_HAVE_PPOLL_PIPE2
  if (!deadline) return ::ppoll(fds, static_cast<nfds_t>(n), nullptr, nullptr);
  auto ns = std::max(std::chrono::nanoseconds(0), *deadline - Clock::now()).count();
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  return ::ppoll(fds, static_cast<nfds_t>(n), &ts, nullptr);
#else
  int ms = -1;
  if (deadline) {
    auto left = std::max(std::chrono::nanoseconds(0), *deadline - Clock::now());
    auto rounded = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    ms = rounded > INT_MAX ? INT_MAX : static_cast<int>(rounded);
  }
  return ::poll(fds, static_cast<nfds_t>(n), ms);
#endif
}

}  // namespace

Selector::Selector(int wake_read, int wake_write) noexcept
    : wake_read_(wake_read), wake_write_(wake_write) {}

Selector::~Selector() {
  ::close(wake_read_);
  ::close(wake_write_);
}

NativeHandle selector_native_handle(Selector&, std::error_code& ec) noexcept {
  // poll(2) keeps the set in this process, not in a kernel object: no fd turns readable
  // when the set has events. Emulating one would take a thread polling the same fds
  // beside the caller's loop, with its own races and cost; the README says how to nest
  // this backend instead (poll with a zero timeout from the outer loop, or a thread of
  // its own that wakes the outer loop).
  ec = std::make_error_code(std::errc::operation_not_supported);
  return kInvalidHandle;
}

std::shared_ptr<Selector> selector_create(std::error_code& ec) {
  int fds[2];
  if ((ec = make_pipe(fds))) return nullptr;
  return std::make_shared<Selector>(fds[0], fds[1]);
}

std::error_code Selector::identify(int fd, FileId& file) noexcept {
  if (fd < 0) return std::make_error_code(std::errc::bad_file_descriptor);
  struct stat st;
  if (::fstat(fd, &st) < 0) return errno_code();
  // epoll refuses files that cannot block (EPERM); poll(2) would call them always ready.
  // Refuse them here too, so that code behaves the same on both backends.
  if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
    return std::make_error_code(std::errc::operation_not_permitted);
  }
  file = FileId{st.st_dev, st.st_ino};
  return {};
}

void Selector::arm_locked(Registration& reg) noexcept {
  if (reg.armed == reg.interest && reg.watch_closed) return;
  reg.armed = reg.interest;
  reg.watch_closed = true;
  changed_locked();
}

void Selector::changed_locked() noexcept {
  dirty_ = true;
  if (polling_) notify();
}

std::error_code Selector::add(int fd, Token token, Interest interest, std::uint64_t* generation) {
  FileId file;
  if (auto ec = identify(fd, file)) return ec;
  std::lock_guard lock(mutex_);
  auto [it, inserted] = registrations_.try_emplace(fd);
  Registration& reg = it->second;
  // The same number naming another file means the old one was closed without remove:
  // epoll would have forgotten it, so the stale entry is replaced.
  if (!inserted && reg.file == file) return std::make_error_code(std::errc::file_exists);
  reg = Registration{token, to_poll(interest), 0, false, ++next_generation_, file};
  arm_locked(reg);
  if (generation != nullptr) *generation = reg.generation;
  return {};
}

std::error_code Selector::modify(int fd, Token token, Interest interest) {
  FileId file;
  if (auto ec = identify(fd, file)) return ec;
  std::lock_guard lock(mutex_);
  auto it = registrations_.find(fd);
  if (it == registrations_.end()) return std::make_error_code(std::errc::no_such_file_or_directory);
  if (it->second.file != file) {
    registrations_.erase(it);
    changed_locked();
    return std::make_error_code(std::errc::no_such_file_or_directory);
  }
  Registration& reg = it->second;
  reg.token = token;
  reg.interest = to_poll(interest);
  reg.armed = 0;  // forces arm_locked to publish the change
  arm_locked(reg);
  return {};
}

std::error_code Selector::remove(int fd) {
  FileId file;
  auto ec = identify(fd, file);
  if (ec && ec != std::errc::bad_file_descriptor) return ec;
  std::lock_guard lock(mutex_);
  auto it = registrations_.find(fd);
  if (ec) {
    // A closed fd: epoll has dropped it already, and so do we; the caller still learns
    // that the fd was bad.
    if (fd >= 0 && it != registrations_.end()) {
      registrations_.erase(it);
      changed_locked();
    }
    return ec;
  }
  if (it == registrations_.end()) return std::make_error_code(std::errc::no_such_file_or_directory);
  bool same_file = it->second.file == file;
  registrations_.erase(it);
  changed_locked();
  if (!same_file) return std::make_error_code(std::errc::no_such_file_or_directory);
  return {};
}

bool Selector::is_registered(int fd, std::uint64_t generation) noexcept {
  std::lock_guard lock(mutex_);
  auto it = registrations_.find(fd);
  return it != registrations_.end() && it->second.generation == generation;
}

void Selector::rearm(int fd, std::uint64_t generation) noexcept {
  std::lock_guard lock(mutex_);
  auto it = registrations_.find(fd);
  if (it != registrations_.end() && it->second.generation == generation) arm_locked(it->second);
}

void Selector::drop(int fd, std::uint64_t generation) noexcept {
  std::lock_guard lock(mutex_);
  auto it = registrations_.find(fd);
  if (it == registrations_.end() || it->second.generation != generation) return;
  registrations_.erase(it);
  changed_locked();
}

void Selector::add_waker(WakerState* waker) {
  std::lock_guard lock(mutex_);
  wakers_.push_back(waker);
}

void Selector::remove_waker(WakerState* waker) noexcept {
  std::lock_guard lock(mutex_);
  wakers_.erase(std::remove(wakers_.begin(), wakers_.end(), waker), wakers_.end());
}

void Selector::notify() noexcept {
  // One byte stays in the pipe until the selecting thread drains it; later notifications
  // see the flag and skip the write.
  if (notified_.exchange(true)) return;
  char one = 1;
  while (::write(wake_write_, &one, 1) < 0 && errno == EINTR) {
  }
}

void Selector::drain_wake_pipe() noexcept {
  char buf[64];
  for (;;) {
    ssize_t n = ::read(wake_read_, buf, sizeof buf);
    if (n > 0 || (n < 0 && errno == EINTR)) continue;
    break;
  }
  // Cleared only after draining: a notify that raced with the drain either saw the flag
  // set (and its waker's pending bit is seen by the scan that follows) or wrote a byte
  // that makes the next poll return.
  notified_.store(false);
}

void Selector::rebuild_locked() {
  fds_.clear();
  generations_.clear();
  fds_.push_back(pollfd{wake_read_, POLLIN, 0});
  generations_.push_back(0);
  for (const auto& [fd, reg] : registrations_) {
    // A registration with nothing armed stays out of the set: poll(2) would report its
    // hang-up again and again.
    if (reg.armed == 0 && !reg.watch_closed) continue;
    fds_.push_back(pollfd{fd, reg.armed, 0});
    generations_.push_back(reg.generation);
  }
  dirty_ = false;
}

std::size_t Selector::collect_locked(Event* out, std::size_t capacity) noexcept {
  if (fds_[0].revents != 0) drain_wake_pipe();
  const std::size_t nfds = fds_.size() - 1;
  const std::size_t total = nfds + wakers_.size();
  if (total == 0) return 0;
  std::size_t count = 0;
  const std::size_t start = scan_start_ % total;
  for (std::size_t k = 0; k < total; ++k) {
    std::size_t pos = start + k < total ? start + k : start + k - total;
    if (count == capacity) {
      // The rest waits for the next poll: fds stay armed (poll(2) is level-triggered),
      // but a waker's pending bit needs the pipe to make that poll return.
      scan_start_ = pos;
      for (std::size_t j = k; j < total; ++j) {
        std::size_t rest = start + j < total ? start + j : start + j - total;
        if (rest >= nfds && wakers_[rest - nfds]->pending.load()) {
          notify();
          break;
        }
      }
      break;
    }
    if (pos >= nfds) {
      WakerState* waker = wakers_[pos - nfds];
      if (waker->pending.exchange(false)) out[count++] = Event(waker->token, Event::kReadable);
      continue;
    }
    const pollfd& p = fds_[pos + 1];
    if (p.revents == 0) continue;
    auto it = registrations_.find(p.fd);
    // Removed, or removed and added again, while poll(2) ran: not this result's file.
    if (it == registrations_.end() || it->second.generation != generations_[pos + 1]) continue;
    Registration& reg = it->second;
    std::uint32_t flags;
    if (p.revents & POLLNVAL) {
      // Closed while registered: report it once, then leave it out of the set.
      if (reg.armed == 0 && !reg.watch_closed) continue;
      flags = Event::kError;
      reg.armed = 0;
      reg.watch_closed = false;
    } else {
      const short closed = p.revents & kClosedBits;
      const short ready = p.revents & reg.armed;
      if (ready == 0 && !(closed && reg.watch_closed)) continue;
      flags = from_poll(static_cast<short>(ready | closed));
      if (closed) {
        // A hang-up or error persists: nothing more can be learnt before a re-arm.
        reg.armed = 0;
        reg.watch_closed = false;
      } else {
        // Only what was reported: a bit still armed is a condition not yet seen (a
        // shutdown after data already reported readable), which epoll would report.
        reg.armed &= static_cast<short>(~ready);
      }
    }
    dirty_ = true;
    out[count++] = Event(reg.token, flags);
  }
  return count;
}

std::error_code Selector::select(Event* out,
                                 std::size_t capacity,
                                 std::size_t& count,
                                 std::optional<std::chrono::nanoseconds> timeout) {
  count = 0;
  std::optional<Clock::time_point> deadline;
  if (timeout) {
    auto now = Clock::now();
    // A timeout too long to be represented is no timeout at all.
    if (*timeout < Clock::time_point::max() - now) {
      deadline = now + std::chrono::duration_cast<Clock::duration>(*timeout);
    }
  }
  std::unique_lock lock(mutex_);
  for (;;) {
    if (dirty_) rebuild_locked();
    polling_ = true;
    lock.unlock();
    int n = wait(fds_.data(), fds_.size(), deadline);
    int error = errno;
    lock.lock();
    polling_ = false;
    if (n < 0 && error != EINTR) return errno_code(error);
    if (n <= 0) {
      // POSIX leaves revents unspecified after a timeout or a signal.
      for (auto& p : fds_) p.revents = 0;
    }
    count = collect_locked(out, capacity);
    if (count > 0 || (deadline && Clock::now() >= *deadline)) return {};
    // Only the wake pipe (a change to the table), a signal, or results that were all
    // stale: poll again with the time that remains.
  }
}

std::error_code fd_add(const std::shared_ptr<Selector>& selector, int fd, Token token, Interest interest) {
  return selector->add(fd, token, interest, nullptr);
}

std::error_code fd_modify(const std::shared_ptr<Selector>& selector, int fd, Token token, Interest interest) {
  return selector->modify(fd, token, interest);
}

std::error_code fd_remove(const std::shared_ptr<Selector>& selector, int fd) {
  return selector->remove(fd);
}

}  // namespace pollux::sys
