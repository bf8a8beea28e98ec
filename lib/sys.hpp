// SPDX-License-Identifier: MIT
#pragma once
// The internal contract. Every backend implements all of it, whole, in files of its own;
// the build picks one backend's files, so portable files need no #if:
//
//   backend   files                      headers (include/backend/)   chosen
//   epoll     lib/unix/epoll_*.cpp       epoll/pollux/sys/            Linux (default), -Dselector=epoll
//   poll(2)   lib/unix/poll_*.cpp        opaque/pollux/sys/           any Unix, -Dselector=poll
//   IOCP      lib/win/*.cpp              opaque/pollux/sys/           Windows (sockets through AFD)
//
// Part of the contract is in the public headers' pollux/sys/ directory, which the build
// takes from the backend's header set: what Event holds (event.hpp), Poll::poll and the
// registration of a source (selector.hpp), stream reads and writes (transfer.hpp) and
// Waker::wake (waker.hpp). epoll defines those inline, since each is a system call and
// a few instructions; the opaque set declares them, and lib/opaque_backend.cpp with the
// backend's files defines them.
//
// Required of a backend, besides those headers:
//   class Selector                      its selector state
//   selector_create, selector_select    below
//   selector_native_handle              below
//   struct WakerState, waker_*          below (waker_wake only for the opaque header set)
//   detail::IoSource::{release, close}
//   the socket operations of lib/sys_net.hpp
// Unix backends also implement lib/unix/fd_registry.hpp (plain fds: unix::SourceFd).

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <system_error>

#include <pollux/event.hpp>
#include <pollux/poll.hpp>
#include <pollux/interest.hpp>
#include <pollux/token.hpp>

namespace pollux::inline POLLUX_ABI()::sys {

class Selector;

std::shared_ptr<Selector> selector_create(std::error_code& ec);

/// Waits for events and stores them in `events` (capacity > 0), replacing what it held
/// (empty on failure). `timeout` is non-negative; nullopt blocks. Interruption by a
/// signal is retried with the time that remains. Only one thread selects on a Selector
/// at a time, while any number of threads may register. select_checked (Poll::poll's
/// out-of-line path) calls it once the arguments are checked.
std::error_code selector_select(Selector& selector,
                                Events& events,
                                std::optional<std::chrono::nanoseconds> timeout);

/// Poll::native_handle: the OS object that a Poll waits on, for nesting it in another
/// event loop; kInvalidHandle with `ec` set where the backend has none.
NativeHandle selector_native_handle(Selector& selector, std::error_code& ec) noexcept;

struct WakerState;
WakerState* waker_create(const std::shared_ptr<Selector>& selector,
                         Token token,
                         std::error_code& ec);
std::error_code waker_wake(WakerState& waker) noexcept;
void waker_destroy(WakerState* waker) noexcept;

}  // namespace pollux::sys
