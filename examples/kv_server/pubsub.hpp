// SPDX-License-Identifier: MIT
#pragma once
// PubSub: PUBLISH fan-out through one exec::broadcast channel shared by all channels.
//
// A message is formatted once as its RESP push ("message", channel, payload) and sent as
// a shared_ptr, so each subscriber copies a pointer, not the payload. Every subscribed
// connection holds one broadcast Receiver and keeps only the messages of the channels it
// subscribed to; the registry counts subscribers per channel for PUBLISH's reply and
// sends nothing when a channel has none.
//
// Slow subscribers: the broadcast ring keeps the last kRing messages, whatever their
// readers do, so memory stays bounded by kRing messages (each at most the request limit)
// plus what each socket buffers. A subscriber whose client does not read stalls only its
// own task (blocked writing to its socket); the ring moves on without it. When it comes
// back to the ring and finds it lost messages, its connection is closed (as redis drops
// a client past its pub/sub output limit): a client never sees a gap silently.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <pollux/exec/sync/broadcast.hpp>

namespace kv {

struct Message {
  std::string channel;
  std::string reply;  // the RESP push a subscriber writes as is
};
using MessagePtr = std::shared_ptr<const Message>;

class PubSub {
 public:
  static constexpr std::size_t kRing = 128;

  PubSub();
  /// A receiver of every message published from now on.
  pollux::exec::broadcast::Receiver<MessagePtr> receiver() { return tx_.subscribe(); }
  void add(std::string_view channel);
  void remove(std::string_view channel);
  /// Sends to the channel's subscribers; how many there were.
  std::int64_t publish(std::string_view channel, std::string_view payload);

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::int64_t> subscribers_;  // guarded by mutex_
  pollux::exec::broadcast::Sender<MessagePtr> tx_;
};

}  // namespace kv
