// SPDX-License-Identifier: MIT
// Linux futex(2). FUTEX_WAIT_BITSET takes an absolute deadline on CLOCK_MONOTONIC (plain
// FUTEX_WAIT takes a relative one, which would have to be recomputed after every EINTR);
// libstdc++'s and libc++'s steady_clock read CLOCK_MONOTONIC, so a steady_clock deadline
// converts without a clock read. FUTEX_PRIVATE_FLAG: the words never live in shared
// memory, and private futexes skip the kernel's mm lookup.

#include <cerrno>
#include <climits>
#include <ctime>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "futex.hpp"

namespace pollux::inline POLLUX_ABI()::exec::sys {

namespace {

timespec to_monotonic_timespec(const Deadline& deadline) noexcept {
  const auto since_epoch = std::chrono::duration_cast<std::chrono::nanoseconds>(
      deadline.time_since_epoch());
  // The kernel rejects negative times with EINVAL; any past instant times out the same.
  if (since_epoch.count() <= 0) return timespec{0, 0};
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(seconds.count());
  ts.tv_nsec = static_cast<long>((since_epoch - seconds).count());
  return ts;
}

WaitStatus linux_wait(std::atomic<std::uint32_t>& word,
                      std::uint32_t expected,
                      const Deadline* deadline) noexcept {
  timespec ts{};
  const timespec* timeout = nullptr;
  if (deadline != nullptr) {
    ts = to_monotonic_timespec(*deadline);
    timeout = &ts;
  }
  // std::atomic<std::uint32_t> is a plain 32-bit word (asserted below), which is what the
  // kernel compares against expected.
  const long rc = syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word),
                          FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, expected, timeout,
                          nullptr, FUTEX_BITSET_MATCH_ANY);
  // rc == 0: woken (perhaps spuriously). EAGAIN: the word had already changed. EINTR: a
  // signal; the caller re-reads the word and waits again with the same deadline.
  if (rc == -1 && errno == ETIMEDOUT) return WaitStatus::timed_out;
  return WaitStatus::woken;
}

void linux_wake_one(void* address) noexcept {
  // The kernel only hashes the address; on a word that is gone it wakes nobody (or, if the
  // memory was reused for another futex, one waiter spuriously, which futex users allow).
  syscall(SYS_futex, static_cast<std::uint32_t*>(address), FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1,
          nullptr, nullptr, 0);
}

bool linux_available() noexcept {
  return true;
}

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

}  // namespace

const FutexOps kLinuxFutex = {
    "futex", linux_wait, linux_wake_one, nullptr, linux_available,
};

}  // namespace pollux::exec::sys
