#pragma once
// The definition of sys::selector_select (lib/sys.hpp), written once for every backend:
// each backend's selector file includes this after its Selector is complete, so exactly
// one translation unit per build defines it. Poll::poll only sees an incomplete Selector.

#include "sys.hpp"

namespace pollux::sys {

std::error_code selector_select(Selector& selector,
                                Event* out,
                                std::size_t capacity,
                                std::size_t& count,
                                std::optional<std::chrono::nanoseconds> timeout) {
  return selector.select(out, capacity, count, timeout);
}

}  // namespace pollux::sys
