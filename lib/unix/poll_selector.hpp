// SPDX-License-Identifier: MIT
#pragma once
// The poll(2) backend's Selector, shared by its selector, waker and source files.
//
// poll(2) is level-triggered and keeps no state in the kernel, so the whole registration
// lives here and edge triggering is emulated: a readiness that was reported leaves the
// registration's armed mask, and comes back only when the registration is re-armed
// (Registry::modify, or IoSource::would_block when an operation met would-block).
//
// Threads: one thread selects while any number register. The selecting thread polls a
// snapshot of the table with the mutex released; a change made meanwhile marks the table
// dirty and writes to an internal pipe that is always in the set, so the change takes
// effect in that very select call. Results are checked, under the mutex, against the live
// table before they become Events, so a removed registration is never reported.

#include <poll.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "../sys.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

struct WakerState {
  std::shared_ptr<Selector> selector;
  Token token;
  // Set by wake(), taken by the selecting thread: wakes between two polls merge.
  std::atomic<bool> pending{false};
};

/// What IoSource keeps to find its registration again, even after its Poll is gone: a
/// weak handle to the Selector, and the registration's generation. A source is in one
/// Poll at a time (a second Poll's add answers file_exists, as on every backend); a
/// remove resets the handle, so the source keeps nothing of that Poll.
struct SourceRecord {
  int fd = -1;
  std::weak_ptr<Selector> selector;
  std::uint64_t generation = 0;
};

class Selector {
 public:
  Selector(int wake_read, int wake_write) noexcept;
  Selector(const Selector&) = delete;
  Selector& operator=(const Selector&) = delete;
  ~Selector();

  /// Registers `fd`; on success stores the registration's generation in `*generation`
  /// when that is not null. Errors as epoll_ctl gives them.
  std::error_code add(int fd, Token token, Interest interest, std::uint64_t* generation);
  std::error_code modify(int fd, Token token, Interest interest);
  std::error_code remove(int fd);

  /// For IoSource: act only while the registration `generation` of `fd` still exists.
  bool is_registered(int fd, std::uint64_t generation) noexcept;
  void rearm(int fd, std::uint64_t generation) noexcept;
  void drop(int fd, std::uint64_t generation) noexcept;

  void add_waker(WakerState* waker);
  void remove_waker(WakerState* waker) noexcept;
  /// Makes the current (or next) poll return; cheap when a notification is outstanding.
  void notify() noexcept;

  std::error_code select(Event* out,
                         std::size_t capacity,
                         std::size_t& count,
                         std::optional<std::chrono::nanoseconds> timeout);

 private:
  // Which file an fd number names: lets a registration whose fd was closed (and the
  // number reused) be told apart from a double add, as epoll, which drops closed files
  // by itself, would.
  struct FileId {
    dev_t dev = 0;
    ino_t ino = 0;
    friend bool operator==(const FileId&, const FileId&) = default;
  };

  struct Registration {
    Token token;
    short interest = 0;  // poll(2) bits asked for
    short armed = 0;     // the part of `interest` not reported since the last re-arm
    // POLLHUP/POLLERR are reported by poll(2) whatever was asked; they are watched until
    // reported once, so that a hang-up is an edge like any other and never spins.
    bool watch_closed = false;
    std::uint64_t generation = 0;
    FileId file;
  };

  static std::error_code identify(int fd, FileId& file) noexcept;
  void arm_locked(Registration& reg) noexcept;
  void changed_locked() noexcept;
  void rebuild_locked();
  std::size_t collect_locked(Event* out, std::size_t capacity) noexcept;
  void drain_wake_pipe() noexcept;

  const int wake_read_;
  const int wake_write_;
  std::atomic<bool> notified_{false};

  std::mutex mutex_;
  std::unordered_map<int, Registration> registrations_;  // by fd
  std::vector<WakerState*> wakers_;
  std::uint64_t next_generation_ = 0;
  bool dirty_ = true;     // the snapshot below no longer matches the table
  bool polling_ = false;  // a thread is inside poll(2) with the snapshot

  // The selecting thread's snapshot: the wake pipe first, then every registration with
  // something armed, with the generation each entry was taken from.
  std::vector<pollfd> fds_;
  std::vector<std::uint64_t> generations_;
  std::size_t scan_start_ = 0;  // where the next scan begins, so that no entry starves
};

}  // namespace pollux::sys
