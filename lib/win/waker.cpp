// SPDX-License-Identifier: MIT
// Waker for the IOCP backend: a packet posted to the port under kKeyWaker.
//
// The packet's lpOverlapped is the WakerState itself (the port never dereferences a
// posted pointer), and the token stays in the state, so every Token value works and a
// Poll may have any number of Wakers. Wakes between two polls merge: only the first
// posts, until the selector takes that packet in.

#include <atomic>

#include "error.hpp"
#include "selector.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

struct WakerState {
  // Cleared by waker_destroy, so that a packet still in the port does not keep the
  // Selector (and its port) alive: the Selector's teardown drains such packets.
  std::shared_ptr<Selector> selector;
  Token token;
  std::atomic<bool> posted{false};
  std::atomic<bool> alive{true};
  // One for the Waker, one for a packet in the port.
  std::atomic<int> refs{1};
};

namespace {

void release(WakerState* waker) noexcept {
  if (waker->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete waker;
}

}  // namespace

WakerState* waker_create(const std::shared_ptr<Selector>& selector, Token token, std::error_code& ec) {
  auto* waker = new WakerState;
  waker->selector = selector;
  waker->token = token;
  ec.clear();
  return waker;
}

std::error_code waker_wake(WakerState& waker) noexcept {
  if (waker.posted.exchange(true, std::memory_order_acq_rel)) return {};
  waker.refs.fetch_add(1, std::memory_order_relaxed);
  if (auto ec = waker.selector->port().post(kKeyWaker, &waker)) {
    waker.posted.store(false, std::memory_order_release);
    release(&waker);
    return ec;
  }
  return {};
}

void waker_destroy(WakerState* waker) noexcept {
  if (waker == nullptr) return;
  waker->alive.store(false, std::memory_order_release);
  waker->selector.reset();
  release(waker);
}

bool waker_feed(void* packet, Event& out) noexcept {
  // Safety: kKeyWaker packets are posted by waker_wake only, with a WakerState that
  // holds a reference for the packet.
  auto* waker = static_cast<WakerState*>(packet);
  // Cleared before the event is reported, so a wake from now on posts a new packet.
  waker->posted.store(false, std::memory_order_release);
  bool report = waker->alive.load(std::memory_order_acquire);
  if (report) out = Event(waker->token, Event::kReadable);
  release(waker);
  return report;
}

}  // namespace pollux::sys
