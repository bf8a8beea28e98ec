// SPDX-License-Identifier: MIT
// ChannelEnds: the end counts of watch and broadcast, under their wait queue's lock.

#include <pollux/exec/detail/channel_ends.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

void ChannelEnds::unref(std::unique_lock<std::mutex>& lock) noexcept {
  const bool last = --refs_ == 0;
  lock.unlock();
  if (last) destroy_(this);
}

void ChannelEnds::add_sender() noexcept {
  std::lock_guard lock(queue.mutex);
  ++senders_;
}

void ChannelEnds::drop_sender() noexcept {
  std::unique_lock lock(queue.mutex);
  if (--senders_ != 0) return;
  // Receivers that have seen everything can only fail now: wake them to see that. The
  // senders' reference keeps the block alive while they are woken.
  queue.wake_all(lock);
  lock.lock();
  unref(lock);
}

void ChannelEnds::add_receiver() noexcept {
  std::lock_guard lock(queue.mutex);
  add_receiver_locked();
}

void ChannelEnds::drop_receiver() noexcept {
  std::unique_lock lock(queue.mutex);
  --receivers_;
  unref(lock);
}

std::size_t ChannelEnds::receiver_count() noexcept {
  std::lock_guard lock(queue.mutex);
  return receivers_;
}

void ChannelEnds::wake_all() noexcept {
  std::unique_lock lock(queue.mutex);
  queue.wake_all(lock);
}

}  // namespace pollux::exec::detail
