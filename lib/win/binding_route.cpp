// SPDX-License-Identifier: MIT
// Route ids and the registration of routes with their Selector (binding_route.hpp).

#include "binding_route.hpp"

#include <atomic>

#include "selector.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

namespace {

// Ids start past the Selector's reserved keys and only grow: 2^64 registrations do not
// happen, so a stale packet can never meet a new route under its old key.
constexpr ULONG_PTR kFirstRouteKey = 16;

std::atomic<ULONG_PTR> next_key{kFirstRouteKey};

}  // namespace

std::error_code route_insert(const std::shared_ptr<Route>& route) noexcept {
  auto selector = route->selector.lock();
  if (!selector) return std::make_error_code(std::errc::bad_file_descriptor);
  route->key = next_key.fetch_add(1, std::memory_order_relaxed);
  return selector->insert_route(route);
}

void route_remove(Route& route) noexcept {
  {
    std::lock_guard lock(route.dispatch);
    route.removed = true;
  }
  // A Selector that is gone took its table with it.
  if (auto selector = route.selector.lock()) selector->erase_route(route);
}

bool route_in(const Route& route, const std::shared_ptr<Selector>& selector) noexcept {
  if (route.removed || !selector) return false;
  auto mine = route.selector.lock();
  return mine == selector;
}

}  // namespace pollux::sys
