// SPDX-License-Identifier: MIT
#pragma once
// The definition of sys::selector_select (lib/sys.hpp) for backends whose Selector has a
// select(out, capacity, count, timeout) member (poll(2), IOCP), written once: each
// includes this in its selector file after its Selector is complete, so exactly one
// translation unit per build defines it. Poll::poll only sees an incomplete Selector.

#include "sys.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

std::error_code selector_select(Selector& selector,
                                Events& events,
                                std::optional<std::chrono::nanoseconds> timeout) {
  std::size_t count = 0;
  auto ec = selector.select(EventsAccess::data(events), EventsAccess::capacity(events), count, timeout);
  EventsAccess::set_size(events, count);
  return ec;
}

}  // namespace pollux::sys
