// SPDX-License-Identifier: MIT
#pragma once
// WaitList: the intrusive FIFO of waiters behind the sync primitives. Each node lives in
// an awaiter, that is in the waiting coroutine's frame, so waiting allocates nothing.
// The list is circular around a sentinel, so a node unlinks itself without knowing
// which list holds it (the primitive's, or a notifier's private batch). Every operation
// runs under the owning primitive's lock.

#include <cstddef>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

struct WaitNode {
  WaitNode* prev = nullptr;
  WaitNode* next = nullptr;

  bool linked() const noexcept { return next != nullptr; }
  void unlink() noexcept {
    prev->next = next;
    next->prev = prev;
    prev = next = nullptr;
  }
};

class WaitList {
 public:
  WaitList() noexcept { head_.prev = head_.next = &head_; }
  WaitList(const WaitList&) = delete;
  WaitList& operator=(const WaitList&) = delete;

  bool empty() const noexcept { return head_.next == &head_; }
  std::size_t size() const noexcept {
    std::size_t n = 0;
    for (const WaitNode* p = head_.next; p != &head_; p = p->next) ++n;
    return n;
  }
  WaitNode* front() noexcept { return empty() ? nullptr : head_.next; }
  void push_back(WaitNode& n) noexcept {
    n.prev = head_.prev;
    n.next = &head_;
    head_.prev->next = &n;
    head_.prev = &n;
  }
  WaitNode* pop_front() noexcept {
    WaitNode* n = front();
    if (n != nullptr) n->unlink();
    return n;
  }
  // Moves every node of `other` to the back of this list.
  void splice_back(WaitList& other) noexcept {
    if (other.empty()) return;
    WaitNode* first = other.head_.next;
    WaitNode* last = other.head_.prev;
    other.head_.prev = other.head_.next = &other.head_;
    first->prev = head_.prev;
    head_.prev->next = first;
    last->next = &head_;
    head_.prev = last;
  }

 private:
  WaitNode head_;
};

}  // namespace pollux::exec::detail
