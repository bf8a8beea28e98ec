// SPDX-License-Identifier: MIT
#pragma once
// Ring<T>: the FIFO storage of the channels: a circular array allocated once, at its
// capacity, so a bounded channel (mpsc, broadcast) allocates nothing per message. An
// unbounded mpsc grows it by doubling (amortised, and never per message once it has
// reached the backlog's size). Not thread-safe: the owning channel's lock guards it.

#include <cstddef>
#include <memory>
#include <new>
#include <utility>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

template <class T>
class Ring {
 public:
  explicit Ring(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {
    slots_ = std::allocator<T>{}.allocate(capacity_);
  }
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring() {
    clear();
    std::allocator<T>{}.deallocate(slots_, capacity_);
  }

  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return capacity_; }
  bool empty() const noexcept { return size_ == 0; }
  bool full() const noexcept { return size_ == capacity_; }

  // i-th element from the front (0 is the oldest).
  T& at(std::size_t i) noexcept { return slots_[index(i)]; }

  // Room is the caller's business: full() must be false (or call grow() first).
  template <class U>
  void push_back(U&& value) {
    ::new (static_cast<void*>(slots_ + index(size_))) T(std::forward<U>(value));
    ++size_;
  }
  T pop_front() {
    T& slot = slots_[head_];
    T value(std::move(slot));
    slot.~T();
    head_ = head_ + 1 == capacity_ ? 0 : head_ + 1;
    --size_;
    return value;
  }
  void drop_front() noexcept {
    slots_[head_].~T();
    head_ = head_ + 1 == capacity_ ? 0 : head_ + 1;
    --size_;
  }
  void clear() noexcept {
    while (size_ != 0) drop_front();
  }
  // Doubles the capacity, keeping the order.
  void grow() {
    const std::size_t bigger = capacity_ * 2;
    T* fresh = std::allocator<T>{}.allocate(bigger);
    for (std::size_t i = 0; i < size_; ++i) {
      T& old = slots_[index(i)];
      ::new (static_cast<void*>(fresh + i)) T(std::move(old));
      old.~T();
    }
    std::allocator<T>{}.deallocate(slots_, capacity_);
    slots_ = fresh;
    capacity_ = bigger;
    head_ = 0;
  }

 private:
  std::size_t index(std::size_t i) const noexcept {
    const std::size_t j = head_ + i;
    return j >= capacity_ ? j - capacity_ : j;
  }

  T* slots_ = nullptr;
  std::size_t capacity_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace pollux::exec::detail
