// SPDX-License-Identifier: MIT
// Waker for the poll(2) backend: no fd of its own. A wake sets the waker's pending bit and
// writes to the Selector's internal pipe, which every poll watches; the selecting thread
// turns pending bits into events. Wakes between two polls merge into one event.

#include "poll_selector.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

WakerState* waker_create(const std::shared_ptr<Selector>& selector, Token token, std::error_code& ec) {
  auto* waker = new WakerState{selector, token};
  selector->add_waker(waker);
  ec.clear();
  return waker;
}

std::error_code waker_wake(WakerState& waker) noexcept {
  // Only the wake that sets the bit notifies: an earlier one still unreported has done so.
  if (!waker.pending.exchange(true)) waker.selector->notify();
  return {};
}

void waker_destroy(WakerState* waker) noexcept {
  if (waker == nullptr) return;
  waker->selector->remove_waker(waker);
  delete waker;
}

}  // namespace pollux::sys
