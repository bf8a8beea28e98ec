// SPDX-License-Identifier: MIT
// Semaphore: one atomic word holds the free count, the closed flag and whether anyone
// queues; while nobody does, acquire and release are a compare-and-swap on it. The
// FIFO of waiters (nodes in their awaiters) is under a mutex, and so is every change
// of the word while it is not empty. Permits coming back go to the queue's head first
// (even a part of what it needs), so free permits exist only while nobody waits. A
// waiter's `assigned` is what it holds; a drop gives that back, or all of it once
// granted, through the same path as a release.

#include <pollux/exec/sync/semaphore.hpp>

#include <algorithm>
#include <new>

#include <pollux/exec/detail/task_header.hpp>
#include <pollux/exec/detail/thread_park.hpp>

#include "wake_list.hpp"

namespace pollux::inline POLLUX_ABI()::exec {

namespace detail {

namespace {

std::error_code closed_error() noexcept { return std::make_error_code(std::errc::operation_canceled); }

}  // namespace

// The coroutine a task out of budget yields to in place of its own: it runs when the
// task's next turn starts, spends a unit of the new budget, acquires, and either
// continues the awaiting coroutine at once or leaves it queued. Its frame is the only
// allocation, once per exhausted budget; when it fails, the acquire is made first and
// the task yields holding it, as before.
struct AcquireRetry {
  struct promise_type {
    static void* operator new(std::size_t size) noexcept { return ::operator new(size, std::nothrow); }
    static void operator delete(void* p) noexcept { ::operator delete(p); }
    static AcquireRetry get_return_object_on_allocation_failure() noexcept { return {}; }
    AcquireRetry get_return_object() noexcept {
      return {std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept {}
  };
  // Never resumed after the acquire: the awaiter destroys the frame suspended there.
  struct Start {
    AcquireAwaiter* awaiter;
    std::coroutine_handle<> awaiting;
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<>) const noexcept {
      coop_consume();
      if (awaiter->start(awaiting)) return std::noop_coroutine();
      return awaiting;
    }
    void await_resume() const noexcept {}
  };
  static AcquireRetry make(AcquireAwaiter* awaiter, std::coroutine_handle<> awaiting) {
    co_await Start{awaiter, awaiting};
  }
  std::coroutine_handle<promise_type> handle;
};

AcquireAwaiter::AcquireAwaiter(Semaphore& sem, std::size_t permits) noexcept : sem_(&sem) {
  waiter_.needed = permits;
  if (permits > Semaphore::kMaxPermits) error_ = std::make_error_code(std::errc::invalid_argument);
}

bool AcquireAwaiter::start(std::coroutine_handle<> h) noexcept {
  if (sem_->take_free(waiter_.needed)) {
    engaged_ = true;
    waiter_.assigned = waiter_.needed;
    waiter_.state = State::granted;
    return false;
  }
  std::lock_guard lock(sem_->mutex_);
  return sem_->start_locked(*this, [h] { return suspend_current(h); });
}

bool AcquireAwaiter::await_suspend(std::coroutine_handle<> h) noexcept {
  if (error_) return false;
  if (coop_try_consume()) [[likely]] {
    return start(h);
  }
  // Out of budget: yield before taking anything, so that no permit is held while the
  // task waits for its turn (the others would queue behind it, and FIFO hand-off would
  // keep them queueing from then on).
  if (AcquireRetry retry = AcquireRetry::make(this, h); retry.handle) {
    if (yield_current(retry.handle)) {
      retry_ = retry.handle;
      return true;
    }
    retry.handle.destroy();
  }
  return start(h) || yield_current(h);
}

AcquireResult AcquireAwaiter::await_resume() noexcept {
  consumed_ = true;
  if (error_) return {error_, {}};
  if (waiter_.state == State::closed) return {closed_error(), {}};
  return {{}, SemaphorePermit(sem_, waiter_.needed)};
}

AcquireAwaiter::~AcquireAwaiter() {
  if (retry_) retry_.destroy();
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

bool Semaphore::take_free(std::size_t permits) noexcept {
  std::size_t s = state_.load(std::memory_order_relaxed);
  while ((s & (kClosed | kQueued)) == 0 && (s >> kShift) >= permits) {
    if (state_.compare_exchange_strong(s, s - (permits << kShift), std::memory_order_acquire,
                                     std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

bool Semaphore::give_free(std::size_t permits) noexcept {
  std::size_t s = state_.load(std::memory_order_relaxed);
  while ((s & kQueued) == 0) {
    if (state_.compare_exchange_strong(s, s + (permits << kShift), std::memory_order_release,
                                     std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
}

template <class MakeWaker>
bool Semaphore::start_locked(detail::AcquireAwaiter& a, MakeWaker make) noexcept {
  using State = detail::AcquireAwaiter::State;
  auto& waiter = a.waiter_;
  a.engaged_ = true;
  const std::size_t needed = waiter.needed;
  std::size_t s = state_.load(std::memory_order_acquire);
  for (;;) {
    if ((s & kClosed) != 0) {
      waiter.state = State::closed;
      return false;
    }
    const std::size_t free = s >> kShift;
    if (needed == 0 || ((s & kQueued) == 0 && free >= needed)) {
      if (state_.compare_exchange_strong(s, s - (needed << kShift), std::memory_order_acquire,
                                       std::memory_order_acquire)) {
        waiter.assigned = needed;
        waiter.state = State::granted;
        return false;
      }
      continue;
    }
    // Free permits mean an empty queue: this waiter becomes the head and takes them.
    if (state_.compare_exchange_strong(s, kQueued, std::memory_order_acq_rel,
                                     std::memory_order_acquire)) {
      waiter.assigned = free;
      break;
    }
  }
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
  if (take_free(permits)) return {{}, SemaphorePermit(this, permits)};
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
  while (permits > 0) {
    detail::WaitNode* node = waiters_.front();
    if (node == nullptr) break;
    auto* waiter = static_cast<Waiter*>(node);
    const std::size_t take = std::min(permits, waiter->needed - waiter->assigned);
    waiter->assigned += take;
    permits -= take;
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
  // Someone still waits: the head took all there was.
  if (!waiters_.empty()) return;
  // Nobody waits: the rest is free, and the lock-free paths are open again.
  std::size_t s = state_.load(std::memory_order_relaxed);
  while (!state_.compare_exchange_strong(s, (s & ~kQueued) + (permits << kShift),
                                       std::memory_order_release, std::memory_order_relaxed)) {
  }
}

void Semaphore::release(std::size_t permits) noexcept {
  if (give_free(permits)) return;
  detail::WakeList wakes;
  std::unique_lock lock(mutex_);
  release_locked(permits, wakes, lock);
  lock.unlock();
}

AcquireResult Semaphore::try_acquire(std::size_t permits) noexcept {
  if (permits > kMaxPermits) return {std::make_error_code(std::errc::invalid_argument), {}};
  if (take_free(permits)) return {{}, SemaphorePermit(this, permits)};
  const std::size_t s = state_.load(std::memory_order_acquire);
  if ((s & kClosed) != 0) return {detail::closed_error(), {}};
  // Zero is always there, even with others queued.
  if (permits == 0) return {{}, {}};
  return {std::make_error_code(std::errc::resource_unavailable_try_again), {}};
}

std::error_code Semaphore::add_permits(std::size_t permits) noexcept {
  // Permits given back may have taken the free count past kMaxPermits already.
  const auto too_many = [permits](std::size_t s) {
    const std::size_t free = s >> kShift;
    return free > kMaxPermits || permits > kMaxPermits - free;
  };
  std::size_t s = state_.load(std::memory_order_relaxed);
  while ((s & kQueued) == 0) {
    if (too_many(s)) return std::make_error_code(std::errc::value_too_large);
    if (state_.compare_exchange_strong(s, s + (permits << kShift), std::memory_order_release,
                                     std::memory_order_relaxed)) {
      return {};
    }
  }
  detail::WakeList wakes;
  std::unique_lock lock(mutex_);
  if (too_many(state_.load(std::memory_order_relaxed))) {
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
  state_.fetch_or(kClosed, std::memory_order_acq_rel);
  batch.splice_back(waiters_);
  state_.fetch_and(~kQueued, std::memory_order_release);
  detail::wake_batch(batch, lock, [this](detail::WaitNode* node) noexcept {
    auto* waiter = static_cast<detail::AcquireAwaiter::Waiter*>(node);
    state_.fetch_add(std::exchange(waiter->assigned, 0) << kShift, std::memory_order_release);
    waiter->state = detail::AcquireAwaiter::State::closed;
    return std::move(waiter->waker);
  });
}

bool Semaphore::is_closed() noexcept { return (state_.load(std::memory_order_acquire) & kClosed) != 0; }

std::size_t Semaphore::available_permits() noexcept {
  return state_.load(std::memory_order_acquire) >> kShift;
}

std::size_t Semaphore::waiter_count() noexcept {
  std::lock_guard lock(mutex_);
  return waiters_.size();
}

}  // namespace pollux::exec
