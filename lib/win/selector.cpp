// SPDX-License-Identifier: MIT
// The IOCP Selector: update queue, GetQueuedCompletionStatusEx, dispatch by key.

#include "selector.hpp"
#include "../selector_select.hpp"

#include <algorithm>
#include <new>
#include <unordered_map>

#include "binding_route.hpp"
#include "error.hpp"
#include "winsock.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

namespace {

// Packets dequeued per wait. Each yields at most one Event, so never more than the
// caller's capacity either; the rest wait in the port for the next select.
constexpr std::size_t kMaxEntries = 1024;

// Teardown waits this long, in all, for cancelled polls to complete. They complete at
// once in practice; if one never does, its memory is leaked rather than freed under
// the kernel's feet.
constexpr DWORD kTeardownWaitMs = 5000;

// Every registration by socket handle, in any Selector: for notify_shutdown, which only
// has the handle, and to refuse a second registration of one socket in one Selector
// (through another object wrapping the same handle), as epoll refuses it.
struct SocketTable {
  std::mutex mutex;
  std::unordered_map<SOCKET, std::vector<std::weak_ptr<SourceRecord>>> sockets;
};

SocketTable& socket_table() {
  // Leaked on purpose: sockets may be closed during static destruction.
  static auto* table = new SocketTable;
  return *table;
}

void remember_socket(const std::shared_ptr<SourceRecord>& state) {
  auto& table = socket_table();
  std::lock_guard lock(table.mutex);
  auto& entries = table.sockets[state->socket];
  std::erase_if(entries, [](const std::weak_ptr<SourceRecord>& w) { return w.expired(); });
  entries.push_back(state);
}

void forget_socket(SourceRecord& state) noexcept {
  auto& table = socket_table();
  std::lock_guard lock(table.mutex);
  auto it = table.sockets.find(state.socket);
  if (it == table.sockets.end()) return;
  std::erase_if(it->second, [&](const std::weak_ptr<SourceRecord>& w) {
    auto s = w.lock();
    return !s || s.get() == &state;
  });
  if (it->second.empty()) table.sockets.erase(it);
}

// Whether `socket` is registered in `selector` now; the caller holds selector's mutex,
// which guards the `removed` flags read here.
bool registered_locked(SOCKET socket, const Selector* selector) {
  auto& table = socket_table();
  std::lock_guard lock(table.mutex);
  auto it = table.sockets.find(socket);
  if (it == table.sockets.end()) return false;
  for (const auto& w : it->second) {
    auto s = w.lock();
    if (s && s->selector.lock().get() == selector && !s->removed) return true;
  }
  return false;
}

}  // namespace

void notify_shutdown(SOCKET socket, std::uint32_t flags) noexcept {
  std::vector<std::shared_ptr<SourceRecord>> states;
  {
    auto& table = socket_table();
    std::lock_guard lock(table.mutex);
    auto it = table.sockets.find(socket);
    if (it == table.sockets.end()) return;
    for (const auto& w : it->second) {
      if (auto s = w.lock()) states.push_back(std::move(s));
    }
  }
  for (auto& state : states) {
    if (auto selector = state->selector.lock()) selector->inject(*state, flags);
  }
}

std::error_code Selector::open() noexcept {
  if (auto ec = winsock_init()) return ec;
  if (auto ec = nt::init()) return ec;
  return Port::create(port_);
}

Selector::~Selector() {
  std::size_t in_flight = 0;
  for (auto& [raw, state] : sources_) {
    forget_socket(*state);
    state->removed = true;
    if (state->status == SourceRecord::PollStatus::pending) {
      if (!afd_cancel(state->group->afd, state->poll.iosb)) {
        state->status = SourceRecord::PollStatus::cancelled;
      }
    }
    if (state->status != SourceRecord::PollStatus::idle) ++in_flight;
  }
  std::vector<OVERLAPPED_ENTRY> entries(64);
  const DWORD start = GetTickCount();
  for (;;) {
    DWORD waited = GetTickCount() - start;
    DWORD ms = in_flight == 0 ? 0 : (waited >= kTeardownWaitMs ? 0 : kTeardownWaitMs - waited);
    std::error_code ec;
    std::size_t n = port_.wait(entries.data(), entries.size(), ms, ec);
    if (ec || n == 0) break;
    for (std::size_t i = 0; i < n; ++i) {
      const auto& entry = entries[i];
      if (entry.lpCompletionKey == kKeyWaker) {
        Event ignored;
        waker_feed(entry.lpOverlapped, ignored);
      } else if (entry.lpCompletionKey == kKeyAfd && entry.lpOverlapped != nullptr) {
        // Safety: kKeyAfd packets carry the iosb of an AfdPoll we started (sock.hpp).
        auto* state = reinterpret_cast<AfdPoll*>(entry.lpOverlapped)->owner;
        if (state->status != SourceRecord::PollStatus::idle && in_flight > 0) --in_flight;
        state->status = SourceRecord::PollStatus::idle;
      }
    }
  }
  if (in_flight > 0) {
    // A poll that never completed may still write its iosb: leak that memory on purpose.
    // Closing its AFD handle below cancels the poll for good.
    for (auto& [raw, state] : sources_) {
      if (state->status != SourceRecord::PollStatus::idle) new std::shared_ptr<SourceRecord>(state);
    }
  }
  for (auto& group : groups_) CloseHandle(group->afd);
}

std::error_code Selector::add(const std::shared_ptr<Selector>& self,
                              SOCKET socket,
                              Token token,
                              Interest interest,
                              std::shared_ptr<SourceRecord>& out) {
  std::error_code ec;
  SOCKET base = base_socket(socket, ec);
  if (ec) return ec;
  auto state = std::make_shared<SourceRecord>();
  state->selector = self;
  state->base = base;
  state->token = token;
  state->interest = interest;
  state->user_events = afd_events(interest);
  state->socket = socket;
  std::lock_guard lock(mutex_);
  if (registered_locked(socket, this)) return std::make_error_code(std::errc::file_exists);
  state->group = acquire_group_locked(ec);
  if (ec) return ec;
  sources_.emplace(state.get(), state);
  remember_socket(state);
  enqueue_locked(*state);
  out = std::move(state);
  return {};
}

std::error_code Selector::modify(SourceRecord& state, Token token, Interest interest) {
  std::lock_guard lock(mutex_);
  if (state.removed) return std::make_error_code(std::errc::no_such_file_or_directory);
  state.token = token;
  state.interest = interest;
  state.user_events = afd_events(interest);
  enqueue_locked(state);
  return {};
}

void Selector::remove(SourceRecord& state) noexcept {
  forget_socket(state);
  std::lock_guard lock(mutex_);
  if (state.removed) return;
  state.removed = true;
  std::erase_if(synthetic_, [&](const Synthetic& s) { return s.state == &state; });
  if (state.status == SourceRecord::PollStatus::pending) {
    // On failure the poll still completes some day (with an event, or LOCAL_CLOSE when
    // the socket is closed); until then the state stays in sources_.
    if (!afd_cancel(state.group->afd, state.poll.iosb)) {
      state.status = SourceRecord::PollStatus::cancelled;
    }
  }
  if (state.status == SourceRecord::PollStatus::idle) free_locked(state);
}

void Selector::rearm(SourceRecord& state) noexcept {
  std::lock_guard lock(mutex_);
  if (state.removed) return;
  ULONG all = afd_events(state.interest);
  if (state.user_events == all) return;
  state.user_events = all;
  enqueue_locked(state);
}

void Selector::inject(SourceRecord& state, std::uint32_t flags) noexcept {
  std::lock_guard lock(mutex_);
  if (state.removed) return;
  synthetic_.push_back({&state, flags});
  // A select blocked in the port would not look at synthetic_ until some packet came:
  // send it one that dispatch ignores.
  if (polling_) (void)port_.post(kKeyAfd, nullptr);
}

void Selector::enqueue_locked(SourceRecord& state) {
  if (!state.queued) {
    state.queued = true;
    update_queue_.push_back(sources_.at(&state));
  }
  if (polling_) flush_locked();
}

void Selector::flush_locked() noexcept {
  for (auto& state : update_queue_) {
    state->queued = false;
    if (auto ec = state->update()) {
      // AFD refused the poll: the socket can no longer be watched. Say so once, as an
      // error event, instead of failing every later select.
      state->closed = true;
      synthetic_.push_back({state.get(), Event::kError | Event::kReadClosed | Event::kWriteClosed});
    }
  }
  update_queue_.clear();
}

PollGroup* Selector::acquire_group_locked(std::error_code& ec) {
  for (auto it = groups_.rbegin(); it != groups_.rend(); ++it) {
    if ((*it)->size < PollGroup::kMaxSize) {
      ++(*it)->size;
      return it->get();
    }
  }
  auto group = std::make_unique<PollGroup>();
  group->afd = afd_open(port_, ec);
  if (ec) return nullptr;
  group->size = 1;
  groups_.push_back(std::move(group));
  return groups_.back().get();
}

void Selector::free_locked(SourceRecord& state) noexcept {
  --state.group->size;
  // The IoSource may still hold its own reference; ours goes now.
  sources_.erase(&state);
}

std::error_code Selector::insert_route(const std::shared_ptr<Route>& route) noexcept {
  std::lock_guard lock(routes_mutex_);
  try {
    routes_.emplace(route->key, route);
  } catch (const std::bad_alloc&) {
    return std::make_error_code(std::errc::not_enough_memory);
  }
  return {};
}

void Selector::erase_route(const Route& route) noexcept {
  // Released after the lock: this may be the route's last reference.
  std::shared_ptr<Route> last;
  std::lock_guard lock(routes_mutex_);
  auto it = routes_.find(route.key);
  if (it == routes_.end() || it->second.get() != &route) return;
  last = std::move(it->second);
  routes_.erase(it);
}

// Under mutex_: the AFD packets, and what synthetic_ holds. The packets of other keys
// are moved to the front of `entries` (`deferred` of them) for dispatch_unlocked, which
// runs user Handlers: those may add, modify or remove sockets, which takes mutex_.
std::size_t Selector::dispatch_locked(OVERLAPPED_ENTRY* entries,
                                      std::size_t count,
                                      Event* out,
                                      std::size_t capacity,
                                      std::size_t& deferred) noexcept {
  std::size_t n = 0;
  deferred = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const auto& entry = entries[i];
    switch (entry.lpCompletionKey) {
      case kKeyAfd: {
        if (entry.lpOverlapped == nullptr) break;
        // Safety: kKeyAfd packets carry the iosb of an AfdPoll we started, the first
        // member of that standard-layout struct; its owner stays in sources_ until the
        // packet has been fed.
        SourceRecord& state = *reinterpret_cast<AfdPoll*>(entry.lpOverlapped)->owner;
        std::uint32_t flags = state.feed();
        if (state.removed) {
          free_locked(state);
          break;
        }
        if (flags != 0 && n < capacity) out[n++] = Event(state.token, flags);
        enqueue_locked(state);
        break;
      }
      case kKeyOverlapped:
        break;
      default:
        // The waker, and keys past the Selector's own, which name routes: bound
        // handles, posters, job objects. `deferred` <= i, so this never overwrites an
        // entry still to be read.
        entries[deferred++] = entry;
        break;
    }
  }
  // After the packets, which never exceed `capacity` (each yields at most one event):
  // what does not fit waits its turn.
  while (!synthetic_.empty() && n + deferred < capacity) {
    out[n++] = Event(synthetic_.back().state->token, synthetic_.back().flags);
    synthetic_.pop_back();
  }
  return n;
}

// Without mutex_: wakers, and routes, each fed under its own dispatch lock.
std::size_t Selector::dispatch_unlocked(const OVERLAPPED_ENTRY* entries,
                                        std::size_t count,
                                        Event* out) noexcept {
  if (count == 0) return 0;
  {
    // One look-up for the whole batch. A route removed after this still gets no packet:
    // its feed is skipped once `removed` is set, which route_remove does under `dispatch`.
    std::lock_guard lock(routes_mutex_);
    for (std::size_t i = 0; i < count; ++i) {
      auto it = entries[i].lpCompletionKey == kKeyWaker ? routes_.end() : routes_.find(entries[i].lpCompletionKey);
      if (it != routes_.end()) batch_[i] = it->second;
    }
  }
  std::size_t n = 0;
  for (std::size_t i = 0; i < count; ++i) {
    Event event;
    if (entries[i].lpCompletionKey == kKeyWaker) {
      if (waker_feed(entries[i].lpOverlapped, event)) out[n++] = event;
    } else if (const auto& route = batch_[i]) {
      std::lock_guard lock(route->dispatch);
      if (!route->removed && route->feed(entries[i], event)) out[n++] = event;
    }
  }
  // Out of every lock: a removed route's memory may go with this reference.
  for (std::size_t i = 0; i < count; ++i) batch_[i].reset();
  return n;
}

std::error_code Selector::select(Event* out,
                                 std::size_t capacity,
                                 std::size_t& count,
                                 std::optional<std::chrono::nanoseconds> timeout) {
  count = 0;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  // Saturating: a timeout of nanoseconds::max() must not wrap the deadline around.
  const auto deadline = timeout && *timeout < Clock::time_point::max() - start
                            ? start + *timeout
                            : Clock::time_point::max();
  const std::size_t max_entries = std::min(capacity, kMaxEntries);
  if (entries_.size() < max_entries) {
    entries_.resize(max_entries);
    batch_.resize(max_entries);
  }
  for (;;) {
    std::size_t room;
    DWORD ms = timeout_ms(timeout);
    {
      std::lock_guard lock(mutex_);
      flush_locked();
      // Failed sockets are reported with the packets and take room from them.
      room = max_entries - std::min(max_entries, synthetic_.size());
      if (!synthetic_.empty()) ms = 0;
      polling_ = room > 0;
    }
    std::error_code ec;
    std::size_t n = room > 0 ? port_.wait(entries_.data(), room, ms, ec) : 0;
    std::size_t reported;
    std::size_t deferred;
    {
      std::lock_guard lock(mutex_);
      polling_ = false;
      if (ec) return ec;
      reported = dispatch_locked(entries_.data(), n, out, capacity, deferred);
    }
    reported += dispatch_unlocked(entries_.data(), deferred, out + reported);
    if (reported > 0) {
      count = reported;
      return {};
    }
    // Nothing to report: a timeout, or packets that only cancelled or re-armed polls.
    // Wait again for what remains; a wait that ended early by the clock's rounding
    // continues too, so a poll never returns before its timeout.
    if (timeout) {
      auto now = Clock::now();
      if (now >= deadline) return {};
      timeout = deadline - now;
    }
  }
}

NativeHandle selector_native_handle(Selector& selector, std::error_code& ec) noexcept {
  // The completion port. Its packets belong to this Selector: a loop that nests it
  // waits for the port to be signalled (WaitForSingleObject, RegisterWaitForSingleObject)
  // and then calls Poll::poll; it must never dequeue from the port itself.
  ec.clear();
  return reinterpret_cast<NativeHandle>(selector.port().handle());
}

std::shared_ptr<Selector> selector_create(std::error_code& ec) {
  auto selector = std::make_shared<Selector>();
  if ((ec = selector->open())) return nullptr;
  return selector;
}

}  // namespace pollux::sys
