// SPDX-License-Identifier: MIT
// win::Poster: PostQueuedCompletionStatus under the Poster's own route key.
//
// The value rides in lpOverlapped, which the port never dereferences, and the token stays
// in the route: so both keep their full width, and no memory travels with a packet (none
// can leak in a port that is closed with packets in it).

#include <pollux/poll.hpp>
#include <pollux/win/poster.hpp>

#include "binding_route.hpp"
#include "selector.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

struct PostRoute final : Route {
  bool feed(const OVERLAPPED_ENTRY& entry, Event& out) noexcept override {
    out = Event(sys::event_make_completion(token, Event::kCompletion,
                                           reinterpret_cast<std::uintptr_t>(entry.lpOverlapped),
                                           entry.dwNumberOfBytesTransferred, 0));
    return true;
  }
};

}  // namespace pollux::sys

namespace pollux::inline POLLUX_ABI()::win {

Poster& Poster::operator=(Poster&& other) noexcept {
  if (this != &other) {
    release();
    route_ = std::move(other.route_);
  }
  return *this;
}

Poster::~Poster() { release(); }

void Poster::release() noexcept {
  // Concurrent post() calls hold their own reference; they see `removed` and stop.
  auto route = std::atomic_exchange(&route_, std::shared_ptr<sys::PostRoute>());
  if (route) sys::route_remove(*route);
}

std::error_code Poster::add_to(const Registry& registry, Token token, Interest) {
  const auto& selector = registry.sys_selector();
  if (!selector) return std::make_error_code(std::errc::bad_file_descriptor);
  auto current = std::atomic_load(&route_);
  if (current && !current->removed && !current->selector.expired()) {
    return std::make_error_code(std::errc::file_exists);
  }
  auto route = std::make_shared<sys::PostRoute>();
  route->token = token;
  route->selector = selector;
  if (auto ec = sys::route_insert(route)) return ec;
  release();
  std::atomic_store(&route_, std::move(route));
  return {};
}

std::error_code Poster::modify_in(const Registry& registry, Token token, Interest) {
  auto route = std::atomic_load(&route_);
  if (!route || !sys::route_in(*route, registry.sys_selector())) {
    return std::make_error_code(std::errc::no_such_file_or_directory);
  }
  std::lock_guard lock(route->dispatch);
  route->token = token;
  return {};
}

std::error_code Poster::remove_from(const Registry& registry) {
  auto route = std::atomic_load(&route_);
  if (!route || !sys::route_in(*route, registry.sys_selector())) {
    return std::make_error_code(std::errc::no_such_file_or_directory);
  }
  release();
  return {};
}

std::error_code Poster::post(std::uintptr_t value) const noexcept {
  auto route = std::atomic_load(&route_);
  if (!route || route->removed) return std::make_error_code(std::errc::no_such_file_or_directory);
  auto selector = route->selector.lock();
  if (!selector) return std::make_error_code(std::errc::bad_file_descriptor);
  // Safety: the port only stores lpOverlapped; PostRoute::feed reads it back as a value.
  return selector->port().post(route->key, reinterpret_cast<void*>(value));
}

}  // namespace pollux::win
