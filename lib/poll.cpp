// Poll, Registry and Events: portable checks in front of the backend's Selector.

#include <pollux/poll.hpp>

#include <algorithm>

#include "sys.hpp"

namespace pollux {

Events::Events(std::size_t capacity) : capacity_(std::min(capacity, kMaxCapacity)) {
  if (capacity_) events_ = std::make_unique<Event[]>(capacity_);
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
