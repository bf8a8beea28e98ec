// SPDX-License-Identifier: MIT
#pragma once
// The commands: one request's arguments in, its RESP reply appended to the output.

#include <string>
#include <string_view>
#include <vector>

#include "pubsub.hpp"
#include "store.hpp"

namespace kv {

/// What every connection shares.
struct Server {
  Store store;
  PubSub pubsub;
};

/// One connection's state as the commands see it.
class Session {
 public:
  explicit Session(Server& server) noexcept : server_(server) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  /// Runs one request, appending its reply to `out`.
  void execute(const std::vector<std::string_view>& args, std::string& out);
  /// QUIT was run: write the reply, then close.
  bool quit() const noexcept { return quit_; }
  /// In subscriber mode: messages arrive on receiver().
  bool subscribed() const noexcept { return !channels_.empty(); }
  pollux::exec::broadcast::Receiver<MessagePtr>& receiver() noexcept { return rx_; }
  /// Whether a published message is for this connection.
  bool wants(const Message& m) const noexcept;

 private:
  void subscribe(const std::vector<std::string_view>& args, std::string& out);
  void unsubscribe(const std::vector<std::string_view>& args, std::string& out);
  void leave(std::size_t index, std::string& out);

  Server& server_;
  std::vector<std::string> channels_;  // few per connection: a linear search is enough
  pollux::exec::broadcast::Receiver<MessagePtr> rx_;  // valid while subscribed
  bool quit_ = false;
};

}  // namespace kv
