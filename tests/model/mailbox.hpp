// SPDX-License-Identifier: MIT
#pragma once
// What the models' threads wait on: a Waker handed over, or a wake of their own. Under a
// Relacy mutex and condition variable, so that a lost wake-up is a reported deadlock.
// Include after relacy_shim.hpp.

#include <pollux/exec/detail/waker.hpp>

namespace model {

using pollux::exec::detail::Waker;
using pollux::exec::detail::WakerVtable;

struct Mailbox {
  RlMutex lock;
  rl::condition_variable cv;
  Waker waker;
  bool woken = false;

  void put(Waker w) {
    lock.lock($);
    waker = std::move(w);
    cv.notify_all($);
    lock.unlock($);
  }
  Waker take() {
    lock.lock($);
    while (!waker) cv.wait(lock, $);
    Waker w = std::move(waker);
    lock.unlock($);
    return w;
  }
  void wake() {
    lock.lock($);
    woken = true;
    cv.notify_all($);
    lock.unlock($);
  }
  // Waits for a wake and consumes it.
  void wait_woken() {
    lock.lock($);
    while (!woken) cv.wait(lock, $);
    woken = false;
    lock.unlock($);
  }

  // A Waker whose wake() is this mailbox's wake(); it holds no reference.
  Waker waker_to() noexcept { return Waker(this, &kVtable); }

 private:
  static void wake_fn(void* data) noexcept { static_cast<Mailbox*>(data)->wake(); }
  static void drop_fn(void*) noexcept {}
  static void* clone_fn(void* data) noexcept { return data; }
  static constexpr WakerVtable kVtable{&wake_fn, &drop_fn, &clone_fn};
};

}  // namespace model
