// SPDX-License-Identifier: MIT
#pragma once
// Completion-key routes: how completions of win::Binding, win::Poster and win::JobObject
// reach Poll::poll.
//
// Keys 0-2 are the Selector's own (iocp.hpp). Every other key is a route id, handed out
// once per registration from a process-wide counter and never reused. A handle bound
// under a route id, a job object associated under one, or a packet posted under one,
// finds its route through its Selector's table of routes; once the registration is
// removed its id is gone from that table and packets still in the port are dropped
// without their lpOverlapped being looked at, so the memory it points to may already be
// freed.
//
// The Selector feeds a batch's packets after it has released its own lock, each under
// its route's `dispatch` lock only: so a Handler may use every other source of its Poll.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include <pollux/event.hpp>
#include <pollux/token.hpp>

#include "win.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

class Selector;

struct Route {
  virtual ~Route() = default;
  /// Turns one packet into at most one event; true when `out` is to be reported. Runs
  /// with `dispatch` held and only while `removed` is false.
  virtual bool feed(const OVERLAPPED_ENTRY& entry, Event& out) noexcept = 0;

  // Held by the polling thread while it feeds a packet, and by remove while it marks the
  // route removed: so a remove that returned has no feed running, nor any to come.
  std::mutex dispatch;
  std::atomic<bool> removed{false};
  Token token;
  ULONG_PTR key = 0;
  std::weak_ptr<Selector> selector;
};

/// Gives `route` a fresh key and makes packets under it reach route->feed (through the
/// Selector that route->selector names, which must be set).
std::error_code route_insert(const std::shared_ptr<Route>& route) noexcept;
/// Marks the route removed (waiting out a feed in progress) and forgets its key.
void route_remove(Route& route) noexcept;
/// Whether `route` is registered with the Selector behind `selector`.
bool route_in(const Route& route, const std::shared_ptr<Selector>& selector) noexcept;

}  // namespace pollux::sys
