// SPDX-License-Identifier: MIT
// Publish/subscribe registry: see pubsub.hpp.

#include "pubsub.hpp"

#include "reply.hpp"

namespace kv {

PubSub::PubSub() : tx_(pollux::exec::broadcast::channel<MessagePtr>(kRing).first) {}

void PubSub::add(std::string_view channel) {
  std::lock_guard lock(mutex_);
  ++subscribers_[std::string(channel)];
}

void PubSub::remove(std::string_view channel) {
  std::lock_guard lock(mutex_);
  const auto it = subscribers_.find(std::string(channel));
  if (it != subscribers_.end() && --it->second == 0) subscribers_.erase(it);
}

std::int64_t PubSub::publish(std::string_view channel, std::string_view payload) {
  std::int64_t count = 0;
  {
    std::lock_guard lock(mutex_);
    const auto it = subscribers_.find(std::string(channel));
    if (it == subscribers_.end()) return 0;
    count = it->second;
  }
  auto msg = std::make_shared<Message>();
  msg->channel.assign(channel);
  append_array(msg->reply, 3);
  append_bulk(msg->reply, "message");
  append_bulk(msg->reply, channel);
  append_bulk(msg->reply, payload);
  // broken_pipe (every subscriber just left) drops the message, as redis would.
  (void)tx_.send(std::move(msg));
  return count;
}

}  // namespace kv
