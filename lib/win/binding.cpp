// SPDX-License-Identifier: MIT
// win::Binding: a HANDLE bound to a Poll's completion port under a route key.

#include <pollux/poll.hpp>
#include <pollux/win/binding.hpp>

#include <new>
#include <unordered_set>

#include "binding_route.hpp"
#include "error.hpp"
#include "overlapped_access.hpp"
#include "selector.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

using Access = OverlappedAccess;

// How long remove waits for a completion before it asks again for the cancellation of
// what is still pending. Completions end the wait at once (they signal `done`); the
// limit only covers an operation issued after the cancels went out.
constexpr DWORD kRecancelMs = 100;

struct BindingRoute final : Route {
  HANDLE handle = nullptr;
  bool skip_on_success = false;
  // The hEvent of every operation: the kernel signals it when one completes, which is
  // what drain() waits on. Auto-reset: a completion between drain's look at the
  // statuses and its wait leaves it signalled, so no completion is missed.
  HANDLE done = nullptr;
  // Guards `pending`, `closing` and the owner_ of the Overlappeds in `pending`. Separate
  // from `dispatch`: a Handler (run under `dispatch`) may submit again, and a thread that
  // submits must never wait for a feed.
  std::mutex list_mutex;
  // The pending Overlappeds, by address: a packet finds its own in O(1), and only after
  // it is known to be pending is it dereferenced (a packet may name one that its owner
  // already freed, or one never submitted here).
  std::unordered_set<win::Overlapped*> pending;
  bool closing = false;

  BindingRoute() = default;
  BindingRoute(const BindingRoute&) = delete;
  BindingRoute& operator=(const BindingRoute&) = delete;
  ~BindingRoute() override {
    if (done != nullptr) CloseHandle(done);
  }

  std::error_code link_locked(win::Overlapped& o) noexcept {
    try {
      pending.insert(&o);
    } catch (const std::bad_alloc&) {
      return std::make_error_code(std::errc::not_enough_memory);
    }
    Access::owner(o) = this;
    return {};
  }
  void unlink_locked(win::Overlapped& o) noexcept {
    pending.erase(&o);
    Access::owner(o) = nullptr;
  }

  bool feed(const OVERLAPPED_ENTRY& entry, Event& out) noexcept override {
    // Only an address until it is found in `pending`.
    auto* candidate = reinterpret_cast<win::Overlapped*>(entry.lpOverlapped);
    {
      std::lock_guard lock(list_mutex);
      if (pending.find(candidate) == pending.end()) return false;
      // Safety: it is pending on this binding, so its owner keeps it alive until the
      // completion is delivered (the lifetime rule in overlapped.hpp), and its raw_,
      // the first member of a standard-layout class, is the OVERLAPPED the packet names.
      unlink_locked(*candidate);
    }
    win::Overlapped& o = *candidate;
    const auto status = static_cast<nt::NtStatus>(Access::raw(o).internal);
    const std::uint32_t error = status == nt::kStatusSuccess ? 0 : nt::RtlNtStatusToDosError(status);
    const std::uint32_t bytes = entry.dwNumberOfBytesTransferred;
    const auto data = reinterpret_cast<std::uintptr_t>(&o);
    if (auto handler = Access::handler(o)) {
      std::uint32_t flags = handler(o, bytes, error, Access::context(o));
      if (flags == 0) return false;
      out = Event(sys::event_make_completion(token, flags, data, bytes, error));
      return true;
    }
    out = Event(sys::event_make_completion(token, Event::kCompletion, data, bytes, error));
    return true;
  }

  // Cancels what is pending and waits until the kernel has finished with every
  // Overlapped. Their packets may still sit in the port: the route is already out of the
  // Selector's table by then, so those are dropped unread.
  void drain() noexcept {
    {
      std::lock_guard lock(list_mutex);
      closing = true;
    }
    for (;;) {
      {
        std::lock_guard lock(list_mutex);
        bool busy = false;
        for (auto* o : pending) {
          std::atomic_ref<std::uintptr_t> internal(Access::raw(*o).internal);
          if (internal.load(std::memory_order_acquire) == static_cast<std::uintptr_t>(nt::kStatusPending)) {
            busy = true;
            // Again on every round: an operation submitted while we were closing may
            // have been issued after the previous round's cancel.
            CancelIoEx(handle, Access::native(*o));
          }
        }
        if (!busy) {
          for (auto* o : pending) Access::owner(*o) = nullptr;
          pending.clear();
          return;
        }
      }
      WaitForSingleObject(done, kRecancelMs);
    }
  }
};

namespace {

// FILE_INFORMATION_CLASS FileReplaceCompletionInformation (Windows 8.1): replaces, or
// with a null port removes, a handle's completion port association.
constexpr ULONG kFileReplaceCompletionInformation = 61;
struct FileCompletionInformation {
  HANDLE port;
  void* key;
};
// Only for a handle that was bound to a Selector's port, so nt::init() has succeeded.
void disassociate(HANDLE handle) noexcept {
  nt::IoStatusBlock iosb{};
  FileCompletionInformation info{nullptr, nullptr};
  // Where the class is unknown the handle stays bound: a later add then fails cleanly.
  nt::NtSetInformationFile(handle, &iosb, &info, sizeof info, kFileReplaceCompletionInformation);
}

}  // namespace

}  // namespace pollux::sys

namespace pollux::inline POLLUX_ABI()::win {

using sys::Access;

Binding& Binding::operator=(Binding&& other) noexcept {
  if (this != &other) {
    release();
    handle_ = std::exchange(other.handle_, nullptr);
    options_ = other.options_;
    route_ = std::move(other.route_);
  }
  return *this;
}

Binding::~Binding() { release(); }

void Binding::release() noexcept {
  if (!route_) return;
  // route_ stays set until no Handler can run: a Handler may call submit on this Binding.
  sys::route_remove(*route_);
  route_->drain();
  sys::disassociate(route_->handle);
  route_.reset();
}

std::error_code Binding::add_to(const Registry& registry, Token token, Interest) {
  if (handle_ == nullptr || handle_ == INVALID_HANDLE_VALUE) {
    return std::make_error_code(std::errc::bad_file_descriptor);
  }
  const auto& selector = registry.sys_selector();
  if (!selector) return std::make_error_code(std::errc::bad_file_descriptor);
  if (route_) {
    if (!route_->selector.expired()) return std::make_error_code(std::errc::file_exists);
    release();
  }
  auto route = std::make_shared<sys::BindingRoute>();
  route->handle = handle_;
  route->skip_on_success = options_.skip_completion_on_success;
  route->token = token;
  route->selector = selector;
  route->done = CreateEventW(nullptr, FALSE, FALSE, nullptr);
  if (route->done == nullptr) return sys::win_error();
  if (auto ec = sys::route_insert(route)) return ec;
  auto undo = [&] { sys::route_remove(*route); };
  if (CreateIoCompletionPort(handle_, selector->port().handle(), route->key, 0) == nullptr) {
    DWORD error = GetLastError();
    undo();
    // The one failure for a valid handle: it is bound to a port already.
    if (error == ERROR_INVALID_PARAMETER) return std::make_error_code(std::errc::file_exists);
    return sys::win_error(error);
  }
  if (route->skip_on_success &&
      !SetFileCompletionNotificationModes(handle_, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS)) {
    auto ec = sys::win_error();
    undo();
    sys::disassociate(handle_);
    return ec;
  }
  route_ = std::move(route);
  return {};
}

std::error_code Binding::modify_in(const Registry& registry, Token token, Interest) {
  if (!route_ || !sys::route_in(*route_, registry.sys_selector())) {
    return std::make_error_code(std::errc::no_such_file_or_directory);
  }
  std::lock_guard lock(route_->dispatch);
  route_->token = token;
  return {};
}

std::error_code Binding::remove_from(const Registry& registry) {
  if (!route_ || !sys::route_in(*route_, registry.sys_selector())) {
    return std::make_error_code(std::errc::no_such_file_or_directory);
  }
  release();
  return {};
}

std::error_code Binding::begin(Overlapped& overlapped) noexcept {
  if (!route_) return std::make_error_code(std::errc::no_such_file_or_directory);
  std::lock_guard lock(route_->list_mutex);
  if (route_->closing) return std::make_error_code(std::errc::no_such_file_or_directory);
  if (Access::owner(overlapped) != nullptr) return std::make_error_code(std::errc::operation_in_progress);
  auto& raw = Access::raw(overlapped);
  // Pending until the kernel says otherwise: drain() waits on exactly this value.
  raw.internal = static_cast<std::uintptr_t>(sys::nt::kStatusPending);
  raw.internal_high = 0;
  raw.event = route_->done;
  return route_->link_locked(overlapped);
}

Submitted Binding::finish(Overlapped& overlapped, bool ok, std::error_code& ec) noexcept {
  const DWORD error = ok ? ERROR_SUCCESS : GetLastError();
  auto& route = *route_;
  ec.clear();
  if (ok) {
    if (!route.skip_on_success) return Submitted::pending;
    std::lock_guard lock(route.list_mutex);
    route.unlink_locked(overlapped);
    return Submitted::completed;
  }
  // ERROR_MORE_DATA is a warning status (a message longer than the buffer): the kernel
  // queues a completion for it as for success.
  if (error == ERROR_IO_PENDING || error == ERROR_MORE_DATA) return Submitted::pending;
  std::lock_guard lock(route.list_mutex);
  route.unlink_locked(overlapped);
  ec = sys::win_error(error);
  return Submitted::failed;
}

std::error_code Binding::post(Overlapped& overlapped) noexcept {
  if (auto ec = begin(overlapped)) return ec;
  auto& route = *route_;
  auto selector = route.selector.lock();
  // Nothing else writes it: the status that drain() and feed() read is ours to set.
  std::atomic_ref<std::uintptr_t>(Access::raw(overlapped).internal).store(0, std::memory_order_release);
  std::error_code ec = selector ? selector->port().post(route.key, Access::native(overlapped))
                                : std::make_error_code(std::errc::bad_file_descriptor);
  if (ec) {
    std::lock_guard lock(route.list_mutex);
    route.unlink_locked(overlapped);
  }
  return ec;
}

std::error_code Binding::cancel(Overlapped& overlapped) noexcept {
  if (!route_) return std::make_error_code(std::errc::no_such_file_or_directory);
  std::lock_guard lock(route_->list_mutex);
  if (Access::owner(overlapped) != route_.get()) return std::make_error_code(std::errc::invalid_argument);
  if (!CancelIoEx(route_->handle, Access::native(overlapped))) {
    DWORD error = GetLastError();
    // Already completed: its completion is on its way.
    if (error == ERROR_NOT_FOUND) return {};
    return sys::win_error(error);
  }
  return {};
}

}  // namespace pollux::win
