// SPDX-License-Identifier: MIT
// Semaphore: one mutex guards the free count, the closed flag and the FIFO of waiters,
// whose nodes live in their awaiters. Permits coming back go to the queue's head first
// (even a part of what it needs), so free permits exist only while nobody waits. A
// waiter's `assigned` is what it holds; a drop gives that back, or all of it once
// granted, through the same path as a release.

#include <pollux/exec/sync/semaphore.hpp>

#include <algorithm>

#include <pollux/exec/detail/task_header.hpp>
#include <pollux/exec/detail/thread_park.hpp>

#include "finish_now.hpp"
#include "wake_list.hpp"

namespace pollux::inline POLLUX_ABI()::exec {

namespace detail {

namespace {

std::error_code closed_error() noexcept { return std::make_error_code(std::errc::operation_canceled); }

}  // namespace

AcquireAwaiter::AcquireAwaiter(Semaphore& sem, std::size_t permits) noexcept : sem_(&sem) {
  waiter_.needed = permits;
  if (permits > Semaphore::kMaxPermits) error_ = std::make_error_code(std::errc::invalid_argument);
}

bool AcquireAwaiter::await_suspend(std::coroutine_handle<> h) noexcept {
  if (error_) return false;
  {
    std::lock_guard lock(sem_->mutex_);
    if (sem_->start_locked(*this, [h] { return suspend_current(h); })) return true;
  }
  return finish_now(h);
}

AcquireResult AcquireAwaiter::await_resume() noexcept {
  consumed_ = true;
  if (error_) return {error_, {}};
  if (waiter_.state == State::closed) return {closed_error(), {}};
  return {{}, SemaphorePermit(sem_, waiter_.needed)};
}

AcquireAwaiter::~AcquireAwaiter() {
  if (!engaged_ || consumed_) return;
  // Dropped while queued, or granted (or refused) but not resumed: give back what it
  // holds. The wakers of the waiters that satisfies run after the lock is released.
  WakeList wakes;
  Waker mine;
  std::unique_lock lock(sem_->mutex_);
  std::size_t held = waiter_.assigned;
  if (waiter_.linked()) {
    waiter_.unlink();
  } else if (waiter_.state == State::granted) {
    held = waiter_.needed;
  }
  waiter_.assigned = 0;
  mine = std::move(waiter_.waker);
  sem_->release_locked(held, wakes, lock);
  lock.unlock();
}

}  // namespace detail

template <class MakeWaker>
bool Semaphore::start_locked(detail::AcquireAwaiter& a, MakeWaker make) noexcept {
  using State = detail::AcquireAwaiter::State;
  auto& waiter = a.waiter_;
  a.engaged_ = true;
  if (closed_) {
    waiter.state = State::closed;
    return false;
  }
  const std::size_t needed = waiter.needed;
  if (needed == 0 || (waiters_.empty() && permits_ >= needed)) {
    permits_ -= needed;
    waiter.assigned = needed;
    waiter.state = State::granted;
    return false;
  }
  // Free permits mean an empty queue: this waiter becomes the head and takes them.
  waiter.assigned = permits_;
  permits_ = 0;
  waiter.state = State::waiting;
  waiter.waker = make();
  waiters_.push_back(waiter);
  return true;
}

AcquireResult Semaphore::blocking_acquire(std::size_t permits) noexcept {
  if (auto ec = detail::blocking_allowed()) return {ec, {}};
  // The awaiter's state, driven by this thread: its destructor is a no-op once
  // await_resume has run.
  detail::AcquireAwaiter a(*this, permits);
  if (a.error_) return a.await_resume();
  detail::ThreadPark park;
  park.prepare();
  std::unique_lock lock(mutex_);
  if (start_locked(a, [&park] { return park.waker(); })) {
    // Granted or closed only by whoever takes the waker, which then wakes us once.
    while (a.waiter_.state == detail::AcquireAwaiter::State::waiting) {
      lock.unlock();
      park.park();
      lock.lock();
    }
  }
  lock.unlock();
  return a.await_resume();
}

void Semaphore::release_locked(std::size_t permits, detail::WakeList& wakes,
                               std::unique_lock<std::mutex>& lock) noexcept {
  using Waiter = detail::AcquireAwaiter::Waiter;
  permits_ += permits;
  while (permits_ > 0) {
    detail::WaitNode* node = waiters_.front();
    if (node == nullptr) break;
    auto* waiter = static_cast<Waiter*>(node);
    const std::size_t take = std::min(permits_, waiter->needed - waiter->assigned);
    waiter->assigned += take;
    permits_ -= take;
    if (waiter->assigned < waiter->needed) break;
    waiters_.pop_front();
    waiter->state = detail::AcquireAwaiter::State::granted;
    // Taken before the lock may be released: once it is, the waiter may be dropped.
    wakes.push(std::move(waiter->waker));
    if (wakes.full()) {
      lock.unlock();
      wakes.wake_all();
      lock.lock();
    }
  }
}

void Semaphore::release(std::size_t permits) noexcept {
  detail::WakeList wakes;
  std::unique_lock lock(mutex_);
  release_locked(permits, wakes, lock);
  lock.unlock();
}

AcquireResult Semaphore::try_acquire(std::size_t permits) noexcept {
  if (permits > kMaxPermits) return {std::make_error_code(std::errc::invalid_argument), {}};
  std::lock_guard lock(mutex_);
  if (closed_) return {detail::closed_error(), {}};
  if (permits_ < permits || (permits != 0 && !waiters_.empty())) {
    return {std::make_error_code(std::errc::resource_unavailable_try_again), {}};
  }
  permits_ -= permits;
  return {{}, SemaphorePermit(this, permits)};
}

std::error_code Semaphore::add_permits(std::size_t permits) noexcept {
  detail::WakeList wakes;
  std::unique_lock lock(mutex_);
  // Permits given back may have taken the free count past kMaxPermits already.
  if (permits_ > kMaxPermits || permits > kMaxPermits - permits_) {
    return std::make_error_code(std::errc::value_too_large);
  }
  release_locked(permits, wakes, lock);
  lock.unlock();
  return {};
}

void Semaphore::close() noexcept {
  // As Notify::notify_waiters: a waiter dropped while its batch waits gives back what
  // it held (the queue is empty then, so it stays free).
  detail::WaitList batch;
  std::unique_lock lock(mutex_);
  closed_ = true;
  batch.splice_back(waiters_);
  detail::wake_batch(batch, lock, [this](detail::WaitNode* node) noexcept {
    auto* waiter = static_cast<detail::AcquireAwaiter::Waiter*>(node);
    permits_ += std::exchange(waiter->assigned, 0);
    waiter->state = detail::AcquireAwaiter::State::closed;
    return std::move(waiter->waker);
  });
}

bool Semaphore::is_closed() noexcept {
  std::lock_guard lock(mutex_);
  return closed_;
}

std::size_t Semaphore::available_permits() noexcept {
  std::lock_guard lock(mutex_);
  return permits_;
}

std::size_t Semaphore::waiter_count() noexcept {
  std::lock_guard lock(mutex_);
  return waiters_.size();
}

}  // namespace pollux::exec
