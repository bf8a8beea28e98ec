// SPDX-License-Identifier: MIT
#include "thread_waiter.hpp"

#include <atomic>

#include <pollux/exec/parker.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

struct ThreadWaiter::Shared {
  std::atomic<int> refs{1};
  Parker parker;

  void release() noexcept {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
};

namespace {

using Shared = ThreadWaiter::Shared;
void waiter_wake(void* data) noexcept {
  auto* shared = static_cast<Shared*>(data);
  shared->parker.unpark();
  shared->release();
}
void waiter_drop(void* data) noexcept { static_cast<Shared*>(data)->release(); }
void* waiter_clone(void* data) noexcept {
  static_cast<Shared*>(data)->refs.fetch_add(1, std::memory_order_relaxed);
  return data;
}
constexpr WakerVtable kWaiterVtable{&waiter_wake, &waiter_drop, &waiter_clone};

}  // namespace

ThreadWaiter::ThreadWaiter(TaskHeader* task) noexcept : task_(task), shared_(new Shared) {
  if (task_->is_complete()) return;
  shared_->refs.fetch_add(1, std::memory_order_relaxed);
  registered_ = task_->set_join_waker(Waker{shared_, &kWaiterVtable});
}

ThreadWaiter::~ThreadWaiter() { shared_->release(); }

void ThreadWaiter::wait() noexcept {
  if (!registered_) return;
  // Parker::park has no spurious returns, but an unpark's token may be left from the
  // wake itself after an earlier timed wait: re-check the state every time.
  while (!task_->is_complete()) shared_->parker.park();
}

bool ThreadWaiter::wait_for(std::chrono::nanoseconds timeout) noexcept {
  if (!registered_) return task_->is_complete();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!task_->is_complete()) {
    if (!shared_->parker.park_until(deadline)) return task_->is_complete();
  }
  return true;
}

}  // namespace pollux::exec::detail
