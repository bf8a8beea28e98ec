// SPDX-License-Identifier: MIT
// kv_server: a Redis-protocol (RESP2) key-value server on pollux-exec.
//
//   kv_server --listen IP:PORT [--workers N] [--max-connections N]   (PORT 0: a free one)
//
// N workers of the multi-thread runtime (default 1; 0 runs the current-thread runtime).
// Prints exactly one line, "listening on IP:PORT", once it accepts; serves until SIGINT or
// SIGTERM, then closes every connection and exits with 0. See README.md ("kv_server") for
// the commands, the limits and what happens to slow subscribers.
//
// The parts, one file each: resp_parser (requests), read_buffer, reply (RESP output),
// store (sharded key space), expirer (deadlines on runtime timers), pubsub (broadcast
// fan-out), commands (the command table), connection (the per-client loop).

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/signal.hpp>
#include <pollux/exec/sleep.hpp>
#include <pollux/exec/sync/semaphore.hpp>
#include <pollux/exec/tcp_listener.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <sys/resource.h>

#include "commands.hpp"
#include "connection.hpp"
#include "expirer.hpp"

using namespace pollux;
using namespace std::chrono_literals;

namespace {

// The limit waits in acquire() before accept(): excess clients stay in the backlog.
exec::Task<void> accept_loop(exec::TcpListener& listener, kv::Server& server,
                             exec::Semaphore& slots) {
  for (;;) {
    auto [aec, permit] = co_await slots.acquire();
    if (aec) co_return;
    auto [ec, stream] = co_await listener.accept();
    if (ec == std::errc::too_many_files_open || ec == std::errc::too_many_files_open_in_system) {
      co_await exec::sleep(10ms);  // the backlog keeps the rest until a connection closes
      continue;
    }
    if (ec) continue;
    exec::spawn(kv::serve_connection(std::move(stream), server, std::move(permit))).detach();
  }
}

template <class T>
exec::Task<void> stop(exec::JoinHandle<T> handle) {
  handle.abort();
  auto r = co_await std::move(handle);
  (void)r;  // cancelled, as asked
}

exec::Task<int> serve(net::SocketAddr addr, kv::Server& server, exec::Semaphore& slots) {
  std::error_code ec;
  // Made before the listener, so a signal sent once "listening on" is printed is caught.
  exec::SignalStream signals = exec::SignalStream::create({SIGINT, SIGTERM}, ec);
  if (ec) {
    std::fprintf(stderr, "kv_server: signals: %s\n", ec.message().c_str());
    co_return 1;
  }
  exec::TcpListener listener = exec::TcpListener::bind(addr, ec);
  if (ec) {
    std::fprintf(stderr, "kv_server: bind %s: %s\n", addr.to_string().c_str(),
                 ec.message().c_str());
    co_return 1;
  }
  const net::SocketAddr local = listener.local_addr(ec);
  exec::JoinHandle<void> expirer = exec::spawn(kv::run_expirer(server.store));
  exec::JoinHandle<void> acceptor = exec::spawn(accept_loop(listener, server, slots));
  std::printf("listening on %s\n", local.to_string().c_str());
  std::fflush(stdout);
  const auto [sec, sig] = co_await signals.recv();
  (void)sec;
  (void)sig;
  // Stop accepting (the listener goes with this frame); main's runtime shutdown then
  // drops every connection task, which closes its socket.
  co_await stop(std::move(acceptor));
  co_await stop(std::move(expirer));
  co_return 0;
}

int usage() {
  std::fprintf(stderr, "usage: kv_server --listen IP:PORT [--workers N] [--max-connections N]\n");
  return 2;
}

bool parse_count(const char* s, long max, long& out) {
  char* end = nullptr;
  out = std::strtol(s, &end, 10);
  return *s != '\0' && *end == '\0' && out >= 0 && out <= max;
}

void raise_fd_limit() {
  // Thousands of clients need more than the usual soft limit of 1024.
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string_view listen;
  long workers = 1;
  long max_connections = 10000;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--listen" && i + 1 < argc) {
      listen = argv[++i];
    } else if (arg == "--workers" && i + 1 < argc) {
      if (!parse_count(argv[++i], 1024, workers)) return usage();
    } else if (arg == "--max-connections" && i + 1 < argc) {
      if (!parse_count(argv[++i], 1L << 20, max_connections) || max_connections == 0) {
        return usage();
      }
    } else {
      return usage();
    }
  }
  if (listen.empty()) return usage();
  std::error_code ec;
  const auto addr = net::SocketAddr::parse(listen, ec);
  if (ec) {
    std::fprintf(stderr, "kv_server: bad address '%.*s': %s\n", static_cast<int>(listen.size()),
                 listen.data(), ec.message().c_str());
    return 2;
  }
  raise_fd_limit();

  // Outlive the runtime: its shutdown drops the connection tasks that refer to them.
  kv::Server server;
  exec::Semaphore slots(static_cast<std::size_t>(max_connections));

  exec::RuntimeOptions options;
  options.flavor = workers == 0 ? exec::Flavor::current_thread : exec::Flavor::multi_thread;
  options.workers = static_cast<unsigned>(workers);
  exec::Runtime rt = exec::Runtime::create(options, ec);
  if (ec) {
    std::fprintf(stderr, "kv_server: runtime: %s\n", ec.message().c_str());
    return 1;
  }
  const int rc = rt.block_on(serve(addr, server, slots));
  (void)rt.shutdown();
  return rc;
}
