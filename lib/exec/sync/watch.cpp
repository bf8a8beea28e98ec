// watch's untyped half: the ends' counts and the changed() waiters, all under the wait
// queue's lock; the block is freed by whichever end lets go last, outside it.

#include <pollux/exec/sync/watch.hpp>

namespace pollux::exec::watch::detail {

void Core::add_receiver() noexcept {
  std::lock_guard lock(queue.mutex);
  ++receivers_;
  ++refs_;
}

void Core::unref_locked(std::unique_lock<std::mutex>& lock) noexcept {
  const bool last = --refs_ == 0;
  lock.unlock();
  if (last) destroy_(this);
}

void Core::drop_receiver() noexcept {
  std::unique_lock lock(queue.mutex);
  --receivers_;
  unref_locked(lock);
}

void Core::drop_sender() noexcept {
  std::unique_lock lock(queue.mutex);
  sender_gone_ = true;
  // The waiters see the sender gone (or a last change) as they resume. The sender's
  // reference keeps the block alive until they are woken.
  queue.wake_all(lock);
  lock.lock();
  unref_locked(lock);
}

std::size_t Core::receiver_count() noexcept {
  std::lock_guard lock(queue.mutex);
  return receivers_;
}

void Core::notify_changed() noexcept {
  std::unique_lock lock(queue.mutex);
  queue.wake_all(lock);
}

}  // namespace pollux::exec::watch::detail
