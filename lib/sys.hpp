#pragma once
// The internal contract. Every backend implements all of it, whole, in files of its own;
// lib/meson.build picks one backend's files per build, so portable files need no #if:
//
//   backend   files                      chosen
//   epoll     lib/unix/epoll_*.cpp       Linux (default there), -Dselector=epoll
//   poll(2)   lib/unix/poll_*.cpp        any Unix, -Dselector=poll
//   IOCP      lib/win/*.cpp              Windows (sockets through AFD polling)
//
// Required of a backend:
//   class Selector                      its selector state; only the backend sees inside
//   selector_create, selector_select    below
//   struct WakerState, waker_*          below
//   struct SourceState                  per-registration state of a detail::IoSource, or
//                                       an empty type where the OS keeps it all (epoll)
//   detail::IoSource::{add_to, modify_in, remove_from, would_block, release, close}
//   the socket operations of lib/sys_net.hpp
// Unix backends also implement lib/unix/fd_registry.hpp (plain fds: unix::SourceFd).

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <system_error>

#include <pollux/event.hpp>
#include <pollux/interest.hpp>
#include <pollux/token.hpp>

namespace pollux::sys {

class Selector;

std::shared_ptr<Selector> selector_create(std::error_code& ec);

/// How a backend fills an Events: its storage, capacity and the number it holds.
struct EventsAccess {
  static Event* data(Events& events) noexcept { return events.events_.get(); }
  static std::size_t capacity(const Events& events) noexcept { return events.capacity_; }
  static void set_size(Events& events, std::size_t size) noexcept { events.size_ = size; }
};

/// Waits for events and stores them in `events` (capacity > 0, empty on entry), replacing
/// what it held. `timeout` is non-negative; nullopt blocks. Interruption by a signal is
/// retried with the time that remains. Only one thread selects on a Selector at a time,
/// while any number of threads may register. Poll::poll hands its call straight on (a
/// tail call), so this is the whole of a poll's user-space cost: it takes the Events
/// itself so that what it needs after the wait can be reloaded from memory rather than
/// kept in saved registers.
std::error_code selector_select(Selector& selector,
                                Events& events,
                                std::optional<std::chrono::nanoseconds> timeout);

struct WakerState;
WakerState* waker_create(const std::shared_ptr<Selector>& selector,
                         Token token,
                         std::error_code& ec);
std::error_code waker_wake(WakerState& waker) noexcept;
void waker_destroy(WakerState* waker) noexcept;

}  // namespace pollux::sys
