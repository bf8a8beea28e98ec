// SPDX-License-Identifier: MIT
// named_pipe_echo: a single-threaded named-pipe echo server on pollux (Windows).
//
//   named_pipe_echo \\.\pipe\NAME [SDDL]
//
// Prints exactly one line, "listening on \\.\pipe\NAME", then echoes every client until
// Ctrl+C. A NamedPipeListener keeps instances waiting, so clients never find the name
// busy or missing between accepts. Each connection holds at most kMaxPending bytes of
// unsent echo and stops reading while that is full: memory stays bounded however fast a
// client writes and however slowly it reads.
//
// The server claims the name (NamedPipeOptions::first_instance, the default): if another
// process has a pipe of that name, it fails to start rather than share it. SDDL, if
// given, says who may connect: "D:P(A;;GA;;;SY)(A;;GA;;;BA)" lets in LocalSystem and
// administrators only (run the server as one of them: adding the listener's instances
// takes the same right).

#include <pollux/pollux.hpp>
#include <pollux/win/named_pipe.hpp>
#include <pollux/win/named_pipe_listener.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <string>
#include <unordered_map>

namespace {

using pollux::Interest;
using pollux::Token;
using pollux::win::NamedPipe;

constexpr Token kListenerToken{0};
constexpr Token kWakerToken{1};
constexpr std::size_t kMaxPending = 64 * 1024;
constexpr std::size_t kBacklog = 4;

const pollux::Waker* g_waker = nullptr;
std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) {
  // Windows runs this on a thread of its own: an atomic store and a wake are all it does.
  g_stop.store(true);
  if (g_waker) (void)g_waker->wake();
}

struct Connection {
  NamedPipe pipe;
  std::string out;  // echo not yet written
};

// Reads while there is room for the echo, writes what is pending; false once the client
// is gone (EOF or an error).
bool serve(Connection& c) {
  char buffer[16 * 1024];
  for (;;) {
    while (!c.out.empty()) {
      std::error_code ec;
      auto n = c.pipe.write(c.out.data(), c.out.size(), ec);
      if (pollux::is_would_block(ec)) break;
      if (ec) return false;
      c.out.erase(0, n);
    }
    if (c.out.size() >= kMaxPending) return true;  // a writable event resumes us
    std::error_code ec;
    auto n = c.pipe.read(buffer, std::min(sizeof buffer, kMaxPending - c.out.size()), ec);
    if (pollux::is_would_block(ec)) return true;
    if (ec || n == 0) return false;
    c.out.append(buffer, n);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: named_pipe_echo \\\\.\\pipe\\NAME [SDDL]\n");
    return 2;
  }
  const std::string name = argv[1];
  pollux::win::NamedPipeOptions options;
  if (argc == 3) options.security_descriptor = argv[2];
  std::error_code ec;
  auto poll = pollux::Poll::create(ec);
  if (ec) {
    std::fprintf(stderr, "poll: %s\n", ec.message().c_str());
    return 1;
  }
  pollux::Waker waker(poll.registry(), kWakerToken, ec);
  if (ec) {
    std::fprintf(stderr, "waker: %s\n", ec.message().c_str());
    return 1;
  }
  g_waker = &waker;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  auto listener = pollux::win::NamedPipeListener::create(name, options, kBacklog, ec);
  if (!ec) ec = poll.registry().add(listener, kListenerToken, Interest::readable);
  if (ec) {
    std::fprintf(stderr, "listen on %s: %s\n", name.c_str(), ec.message().c_str());
    return 1;
  }
  std::printf("listening on %s\n", name.c_str());
  std::fflush(stdout);

  std::unordered_map<std::size_t, Connection> conns;
  std::size_t next = 2;
  pollux::Events events(256);
  while (!g_stop.load()) {
    if ((ec = poll.poll(events, std::nullopt))) {
      std::fprintf(stderr, "poll: %s\n", ec.message().c_str());
      return 1;
    }
    for (const auto& event : events) {
      if (event.token() == kWakerToken) continue;
      if (event.token() == kListenerToken) {
        for (;;) {
          auto pipe = listener.accept(ec);
          if (pollux::is_would_block(ec)) break;
          if (ec) {
            std::fprintf(stderr, "accept: %s\n", ec.message().c_str());
            break;
          }
          const Token token{next++};
          if ((ec = poll.registry().add(pipe, token, Interest::readable | Interest::writable))) {
            std::fprintf(stderr, "add: %s\n", ec.message().c_str());
            continue;
          }
          auto& c = conns.emplace(token.value(), Connection{std::move(pipe), {}}).first->second;
          // Data may have come with the connection: serve it now (edge-triggered).
          if (!serve(c)) {
            (void)poll.registry().remove(c.pipe);
            conns.erase(token.value());
          }
        }
        continue;
      }
      auto it = conns.find(event.token().value());
      if (it == conns.end()) continue;
      if (!serve(it->second)) {
        (void)poll.registry().remove(it->second.pipe);
        conns.erase(it);
      }
    }
  }
  return 0;
}
