// SPDX-License-Identifier: MIT
#pragma once
// The IOCP Selector: one completion port, the AFD poll groups of its sockets, and the
// queue of socket updates.
//
// A pending AFD poll can be neither modified nor cancelled synchronously, so changes to
// a socket's registration are queued and applied (polls started, or cancelled to be
// restarted) right before the selecting thread blocks in GetQueuedCompletionStatusEx.
// When a thread changes a registration while another is blocked there, it applies the
// queue itself at once, so that the change takes effect in that very poll.

#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "../sys.hpp"
#include "iocp.hpp"
#include "sock.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

struct Route;

class Selector {
 public:
  Selector() noexcept = default;
  Selector(const Selector&) = delete;
  Selector& operator=(const Selector&) = delete;
  /// Cancels every AFD poll still in flight and waits for their completions, so that
  /// the kernel never writes into freed memory; then closes the AFD handles and the port.
  ~Selector();

  std::error_code open() noexcept;
  Port& port() noexcept { return port_; }

  /// Registers `socket`; `out` receives the state the IoSource keeps.
  std::error_code add(const std::shared_ptr<Selector>& self,
                      SOCKET socket,
                      Token token,
                      Interest interest,
                      std::shared_ptr<SourceRecord>& out);
  std::error_code modify(SourceRecord& state, Token token, Interest interest);
  /// After it returns, no poll that starts later reports the state's token.
  void remove(SourceRecord& state) noexcept;
  /// Re-arms every interest of the registration (edge emulation, see sock.hpp).
  void rearm(SourceRecord& state) noexcept;
  /// Reports `flags` for the registration from the next select, waking a blocked one.
  void inject(SourceRecord& state, std::uint32_t flags) noexcept;

  /// Makes packets under route->key reach `route` (binding_route.hpp).
  std::error_code insert_route(const std::shared_ptr<Route>& route) noexcept;
  /// Forgets `route`: packets under its key are dropped from now on.
  void erase_route(const Route& route) noexcept;

  std::error_code select(Event* out,
                         std::size_t capacity,
                         std::size_t& count,
                         std::optional<std::chrono::nanoseconds> timeout);

 private:
  void enqueue_locked(SourceRecord& state);
  void flush_locked() noexcept;
  std::size_t dispatch_locked(OVERLAPPED_ENTRY* entries,
                              std::size_t count,
                              Event* out,
                              std::size_t capacity,
                              std::size_t& deferred) noexcept;
  std::size_t dispatch_unlocked(const OVERLAPPED_ENTRY* entries, std::size_t count, Event* out) noexcept;
  PollGroup* acquire_group_locked(std::error_code& ec);
  void free_locked(SourceRecord& state) noexcept;

  std::mutex mutex_;
  Port port_;
  bool polling_ = false;
  std::vector<std::unique_ptr<PollGroup>> groups_;
  // Every registered socket, and every removed one whose poll is still in flight.
  std::unordered_map<SourceRecord*, std::shared_ptr<SourceRecord>> sources_;
  std::vector<std::shared_ptr<SourceRecord>> update_queue_;
  // Events no packet carries, reported by the next select: sockets whose AFD poll could
  // not be started (as errors), and our own shutdowns (see notify_shutdown). Kept by
  // registration, not by token: the token is read when the event is reported, so a
  // modify in between re-tokens it, and remove drops it (a removed token never appears).
  struct Synthetic {
    SourceRecord* state;
    std::uint32_t flags;
  };
  std::vector<Synthetic> synthetic_;
  // Routes by key. Never held together with mutex_, nor while a route feeds.
  std::mutex routes_mutex_;
  std::unordered_map<ULONG_PTR, std::shared_ptr<Route>> routes_;
  // Used by the selecting thread only (one at a time): the packets of one wait, and the
  // routes of those that dispatch_unlocked feeds.
  std::vector<OVERLAPPED_ENTRY> entries_;
  std::vector<std::shared_ptr<Route>> batch_;
};

/// Our own shutdown() of `socket`: AFD reports nothing for it (mio documents the same),
/// while POSIX systems make the socket readable at EOF (read) and hung up (both). The
/// registration of `socket`, if any, gets those events so that the semantics match.
void notify_shutdown(SOCKET socket, std::uint32_t flags) noexcept;

/// Takes in a waker's packet (waker.cpp): fills `out` and returns true when it is to be
/// reported, and releases the packet's reference to the WakerState.
bool waker_feed(void* packet, Event& out) noexcept;

}  // namespace pollux::sys
