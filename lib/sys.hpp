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

/// Waits for events, writes at most `capacity` (> 0) of them to `out` and their number
/// to `count`. `timeout` is non-negative; nullopt blocks. Interruption by a signal is
/// retried with the time that remains. Only one thread selects on a Selector at a time,
/// while any number of threads may register. Poll::poll hands its call straight on
/// (a tail call), so the backend's select is the whole of a poll's user-space cost.
std::error_code selector_select(Selector& selector,
                                Event* out,
                                std::size_t capacity,
                                std::size_t& count,
                                std::optional<std::chrono::nanoseconds> timeout);

struct WakerState;
WakerState* waker_create(const std::shared_ptr<Selector>& selector,
                         Token token,
                         std::error_code& ec);
std::error_code waker_wake(WakerState& waker) noexcept;
void waker_destroy(WakerState* waker) noexcept;

}  // namespace pollux::sys
