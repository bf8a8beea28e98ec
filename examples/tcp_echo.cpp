// SPDX-License-Identifier: MIT
// tcp_echo: a single-threaded echo server on pollux, in mio's style.
//
//   tcp_echo --listen 127.0.0.1:PORT      (PORT 0 picks a free port)
//
// Prints exactly one line, "listening on IP:PORT", then echoes every client until SIGINT
// or SIGTERM. It never blocks. All connections read into one buffer, which is written
// straight back; only what a slow peer does not take at once is copied aside, and that
// connection reads no more until it is written. So a connection holds output only while
// it owes some (at most one read's worth), asks for writable events only then, and an
// idle connection holds no buffer at all.

#include <pollux/pollux.hpp>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#if __has_include(<sys/resource.h>)
#include <sys/resource.h>
#endif

namespace {

using pollux::Interest;
using pollux::Token;
using pollux::net::TcpStream;

constexpr Token kListenerToken{0};
constexpr Token kWakerToken{1};
constexpr std::size_t kFirstConnection = 2;
constexpr std::size_t kReadChunk = 16 * 1024;

std::atomic<bool> g_stop{false};
const pollux::Waker* g_waker = nullptr;

extern "C" void on_signal(int) {
  // Only async-signal-safe work here: an atomic store and the waker's write(2).
  const int saved = errno;
  g_stop.store(true);
  if (g_waker) (void)g_waker->wake();
  errno = saved;
}

struct Connection {
  TcpStream stream;
  std::vector<std::byte> out;  // echo the peer has not taken yet: out[head, size); empty
                               // (and freed) whenever nothing is owed
  std::size_t head = 0;
  bool eof = false;
  bool wants_writable = false;

  std::size_t pending() const { return out.size() - head; }
};

class Server {
 public:
  Server(pollux::Poll& poll, pollux::net::TcpListener& listener)
      : poll_(poll), listener_(listener), buf_(kReadChunk) {}

  void on_listener() {
    accept_paused_ = false;
    while (true) {
      std::error_code ec;
      auto stream = listener_.accept(ec);
      if (pollux::is_would_block(ec)) return;
      if (ec == std::errc::too_many_files_open || ec == std::errc::too_many_files_open_in_system) {
        // The backlog keeps the rest; retry when a connection closes and frees an fd.
        accept_paused_ = true;
        return;
      }
      if (ec) {
        std::fprintf(stderr, "accept: %s\n", ec.message().c_str());
        continue;
      }
      std::size_t slot = free_.empty() ? conns_.size() : free_.back();
      if (free_.empty()) {
        conns_.emplace_back();
      } else {
        free_.pop_back();
      }
      conns_[slot].emplace();
      conns_[slot]->stream = std::move(stream);
      if (auto add_ec = poll_.registry().add(conns_[slot]->stream, Token(slot + kFirstConnection),
                                             Interest::readable)) {
        std::fprintf(stderr, "register: %s\n", add_ec.message().c_str());
        close(slot);
      }
    }
  }

  void on_connection(Token token) {
    const std::size_t slot = token.value() - kFirstConnection;
    if (slot >= conns_.size() || !conns_[slot]) return;  // closed earlier in this batch
    Connection& c = *conns_[slot];
    if (!pump(c)) {
      close(slot);
      return;
    }
    if (c.eof && c.pending() == 0) {
      (void)c.stream.shutdown(pollux::net::Shutdown::write);
      close(slot);
      return;
    }
    const bool want = c.pending() > 0;
    if (want != c.wants_writable) {
      const Interest interest = want ? Interest::readable | Interest::writable : Interest::readable;
      if (poll_.registry().modify(c.stream, token, interest)) {
        close(slot);
        return;
      }
      c.wants_writable = want;
    }
  }

  bool accept_paused() const { return accept_paused_; }

 private:
  // Writes what is owed, then reads and echoes until the socket has nothing more or the
  // peer stops taking it. Returns false when the connection failed.
  bool pump(Connection& c) {
    if (!flush(c)) return false;
    // Reading stops while anything is owed: the echo keeps its order and the memory a
    // connection holds stays bounded. The writable event that ends the debt comes back
    // here, and reading resumes (edge-triggered: until would-block).
    while (!c.eof && c.pending() == 0) {
      std::error_code ec;
      const std::size_t n = c.stream.read(buf_, ec);
      if (pollux::is_would_block(ec)) break;
      if (ec) return false;
      if (n == 0) {
        c.eof = true;
        break;
      }
      std::size_t sent = 0;
      while (sent < n) {
        const std::size_t m = c.stream.write(std::span(buf_).subspan(sent, n - sent), ec);
        if (pollux::is_would_block(ec)) break;
        if (ec) return false;
        sent += m;
      }
      // The slow peer's part is kept aside; buf_ serves the next connection.
      c.out.assign(buf_.begin() + static_cast<std::ptrdiff_t>(sent),
                   buf_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    return true;
  }

  // Writes what the connection owes, as far as the peer takes it.
  static bool flush(Connection& c) {
    while (c.pending() > 0) {
      std::error_code ec;
      const std::size_t n = c.stream.write(std::span(c.out).subspan(c.head), ec);
      if (pollux::is_would_block(ec)) return true;
      if (ec) return false;
      c.head += n;
    }
    // Nothing owed: free the buffer, so an idle connection holds none.
    std::vector<std::byte>().swap(c.out);
    c.head = 0;
    return true;
  }

  void close(std::size_t slot) {
    conns_[slot].reset();  // the stream's destructor removes it from the Poll
    free_.push_back(slot);
    if (accept_paused_) on_listener();
  }

  pollux::Poll& poll_;
  pollux::net::TcpListener& listener_;
  std::vector<std::optional<Connection>> conns_;
  std::vector<std::size_t> free_;
  std::vector<std::byte> buf_;  // every connection's reads, one at a time
  bool accept_paused_ = false;
};

void raise_fd_limit() {
#if __has_include(<sys/resource.h>)
  // Thousands of clients need thousands of fds; the soft limit is often 1024.
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &limit);
  }
#endif
}

int usage() {
  std::fprintf(stderr, "usage: tcp_echo --listen IP:PORT   (e.g. 127.0.0.1:0, [::1]:7000)\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || std::string_view(argv[1]) != "--listen") return usage();
  std::error_code ec;
  const auto addr = pollux::net::SocketAddr::parse(argv[2], ec);
  if (ec) {
    std::fprintf(stderr, "tcp_echo: bad address '%s': %s\n", argv[2], ec.message().c_str());
    return usage();
  }
  raise_fd_limit();

  auto poll = pollux::Poll::create(ec);
  if (ec) {
    std::fprintf(stderr, "tcp_echo: poll: %s\n", ec.message().c_str());
    return 1;
  }
  auto listener = pollux::net::TcpListener::bind(addr, ec);
  if (ec) {
    std::fprintf(stderr, "tcp_echo: bind %s: %s\n", argv[2], ec.message().c_str());
    return 1;
  }
  pollux::Waker waker(poll.registry(), kWakerToken, ec);
  if (ec || (ec = poll.registry().add(listener, kListenerToken, Interest::readable))) {
    std::fprintf(stderr, "tcp_echo: %s\n", ec.message().c_str());
    return 1;
  }
  g_waker = &waker;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  const auto local = listener.local_addr(ec);
  std::printf("listening on %s\n", local.to_string().c_str());
  std::fflush(stdout);

  Server server(poll, listener);
  pollux::Events events(1024);
  while (!g_stop.load()) {
    if (auto poll_ec = poll.poll(events, std::nullopt)) {
      std::fprintf(stderr, "tcp_echo: poll: %s\n", poll_ec.message().c_str());
      return 1;
    }
    for (const auto& event : events) {
      if (event.token() == kWakerToken) continue;  // the loop condition sees the signal
      if (event.token() == kListenerToken) {
        server.on_listener();
      } else {
        server.on_connection(event.token());
      }
    }
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  g_waker = nullptr;
  return 0;
}
