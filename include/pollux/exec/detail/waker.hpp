// SPDX-License-Identifier: MIT
#pragma once
// Waker: a type-erased "make this runnable again". Tasks hand one to whatever they wait
// on (a join handle now; the I/O driver and timers later); the waiter calls wake()
// once, from any thread, when the awaited thing is ready.

#include <utility>

#include <pollux/config.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

struct WakerVtable {
  // Consumes the waker's reference.
  void (*wake)(void* data) noexcept;
  // Releases the waker's reference without waking.
  void (*drop)(void* data) noexcept;
  // Takes one more reference, for a second Waker to the same target.
  void* (*clone)(void* data) noexcept;
};

class Waker {
 public:
  Waker() noexcept = default;
  Waker(void* data, const WakerVtable* vtable) noexcept : data_(data), vtable_(vtable) {}
  Waker(Waker&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), vtable_(std::exchange(other.vtable_, nullptr)) {}
  Waker& operator=(Waker&& other) noexcept {
    if (this != &other) {
      reset();
      data_ = std::exchange(other.data_, nullptr);
      vtable_ = std::exchange(other.vtable_, nullptr);
    }
    return *this;
  }
  Waker(const Waker&) = delete;
  Waker& operator=(const Waker&) = delete;
  ~Waker() { reset(); }

  explicit operator bool() const noexcept { return vtable_ != nullptr; }

  /// Wakes the target and leaves this Waker empty.
  void wake() noexcept {
    if (vtable_) std::exchange(vtable_, nullptr)->wake(std::exchange(data_, nullptr));
  }
  Waker clone() const noexcept { return vtable_ ? Waker{vtable_->clone(data_), vtable_} : Waker{}; }
  /// Same target (used to skip replacing a stored waker with an equivalent one).
  bool will_wake(const Waker& other) const noexcept {
    return data_ == other.data_ && vtable_ == other.vtable_;
  }
  void reset() noexcept {
    if (vtable_) std::exchange(vtable_, nullptr)->drop(std::exchange(data_, nullptr));
  }

 private:
  void* data_ = nullptr;
  const WakerVtable* vtable_ = nullptr;
};

}  // namespace pollux::exec::detail
