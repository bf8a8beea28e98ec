// The table of completion-key routes (binding_route.hpp).

#include "binding_route.hpp"

#include <atomic>
#include <new>
#include <unordered_map>

namespace pollux::sys {

namespace {

// Ids start past the Selector's reserved keys and only grow: 2^64 registrations do not
// happen, so a stale packet can never meet a new route under its old key.
constexpr ULONG_PTR kFirstRouteKey = 16;

struct Table {
  std::mutex mutex;
  std::unordered_map<ULONG_PTR, std::shared_ptr<Route>> routes;
  ULONG_PTR next = kFirstRouteKey;
};

Table& table() {
  // Leaked on purpose: a Poll may be polled by a thread that outlives static destruction.
  static Table* t = new Table;
  return *t;
}

}  // namespace

std::error_code route_insert(const std::shared_ptr<Route>& route) noexcept {
  auto& t = table();
  std::lock_guard lock(t.mutex);
  try {
    route->key = t.next;
    t.routes.emplace(route->key, route);
    ++t.next;
  } catch (const std::bad_alloc&) {
    return std::make_error_code(std::errc::not_enough_memory);
  }
  return {};
}

void route_remove(Route& route) noexcept {
  {
    std::lock_guard lock(route.dispatch);
    route.removed = true;
  }
  auto& t = table();
  std::shared_ptr<Route> last;
  {
    std::lock_guard lock(t.mutex);
    auto it = t.routes.find(route.key);
    if (it != t.routes.end() && it->second.get() == &route) {
      last = std::move(it->second);
      t.routes.erase(it);
    }
  }
}

bool route_in(const Route& route, const std::shared_ptr<Selector>& selector) noexcept {
  if (route.removed || !selector) return false;
  auto mine = route.selector.lock();
  return mine == selector;
}

bool route_feed(const OVERLAPPED_ENTRY& entry, Event& out) noexcept {
  std::shared_ptr<Route> route;
  {
    auto& t = table();
    std::lock_guard lock(t.mutex);
    auto it = t.routes.find(entry.lpCompletionKey);
    if (it == t.routes.end()) return false;
    route = it->second;
  }
  std::lock_guard lock(route->dispatch);
  if (route->removed) return false;
  return route->feed(entry, out);
}

}  // namespace pollux::sys
