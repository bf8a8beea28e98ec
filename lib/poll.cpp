// SPDX-License-Identifier: MIT
// Poll, Registry and Events: portable checks in front of the backend's Selector.

#include <pollux/poll.hpp>

#include <algorithm>
#include <new>

#include "sys.hpp"

namespace pollux::inline POLLUX_ABI() {

Events::Events(std::size_t capacity) : capacity_(std::min(capacity, kMaxCapacity)) {
  if (capacity_) events_ = std::make_unique<Event[]>(capacity_);
}

Events Events::with_capacity(std::size_t capacity, std::error_code& ec) noexcept {
  Events events(0);
  if (capacity == 0 || capacity > kMaxCapacity) {
    ec = std::make_error_code(capacity == 0 ? std::errc::invalid_argument : std::errc::value_too_large);
    return events;
  }
  events.events_.reset(new (std::nothrow) Event[capacity]);
  if (!events.events_) {
    ec = std::make_error_code(std::errc::not_enough_memory);
    return events;
  }
  events.capacity_ = capacity;
  ec.clear();
  return events;
}

Registry Registry::try_clone(std::error_code& ec) const {
  if (!selector_) {
    ec = std::make_error_code(std::errc::bad_file_descriptor);
    return {};
  }
  ec.clear();
  return Registry(selector_);
}

Poll Poll::create(std::error_code& ec) {
  Poll poll;
  auto selector = sys::selector_create(ec);
  if (!ec) poll.registry_ = Registry(std::move(selector));
  return poll;
}

Poll::~Poll() = default;

NativeHandle Poll::native_handle(std::error_code& ec) const noexcept {
  if (!registry_.selector_) {
    ec = std::make_error_code(std::errc::bad_file_descriptor);
    return kInvalidHandle;
  }
  return sys::selector_native_handle(*registry_.selector_, ec);
}

namespace sys {

std::error_code select_checked(Selector* selector,
                               Events& events,
                               std::optional<std::chrono::nanoseconds> timeout) noexcept {
  EventsAccess::set_size(events, 0);
  if (selector == nullptr) return std::make_error_code(std::errc::bad_file_descriptor);
  if (EventsAccess::capacity(events) == 0 || (timeout && timeout->count() < 0)) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  return selector_select(*selector, events, timeout);
}

}  // namespace sys

}  // namespace pollux
