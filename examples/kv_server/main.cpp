// SPDX-License-Identifier: MIT
// kv_server: a Redis-protocol (RESP2) key-value server on pollux-exec.
//
//   kv_server --listen IP:PORT [--workers N] [--max-connections N]   (PORT 0: a free one)
//
// --workers N (default 1): N threads, each running a current-thread runtime of its own.
// One accept loop hands each connection to the next thread in turn, and the connection
// stays there: its wake-ups never cross threads, and a thread with nothing to do sleeps in
// its own epoll_wait. What the threads share (the store's shards, pub/sub, the connection
// limit) is thread-safe; a wake-up across threads (a PUBLISH, an expiry) goes through the
// runtime's injection queue. --work-stealing instead runs one multi-thread runtime with N
// workers that steal connections' tasks from each other (bench/kv_server.py compares).
//
// Prints exactly one line, "listening on IP:PORT", once it accepts; serves until SIGINT or
// SIGTERM, then closes every connection and exits with 0. See README.md ("kv_server") for
// the commands, the limits and what happens to slow subscribers.
//
// The parts, one file each: resp_parser (requests), read_buffer, reply (RESP output),
// store (sharded key space), expirer (deadlines on runtime timers), pubsub (broadcast
// fan-out), commands (the command table), connection (the per-client loop).

#include <pollux/exec/async_fd.hpp>
#include <pollux/exec/runtime.hpp>
#include <pollux/exec/signal.hpp>
#include <pollux/exec/sleep.hpp>
#include <pollux/exec/sync/notify.hpp>
#include <pollux/exec/sync/semaphore.hpp>
#include <pollux/net/tcp_listener.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <sys/resource.h>

#include "commands.hpp"
#include "connection.hpp"
#include "expirer.hpp"

using namespace pollux;
using namespace std::chrono_literals;

namespace {

// The threads past the first (which is main's, and also accepts): each drives its
// runtime until told to stop. Tasks are spawned onto them from the accept loop.
class Workers {
 public:
  explicit Workers(std::size_t extra) : threads_(extra) {}
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;
  ~Workers() { stop(); }

  std::error_code start() {
    exec::RuntimeOptions options;
    options.flavor = exec::Flavor::current_thread;
    for (Thread& t : threads_) {
      std::error_code ec;
      t.rt = exec::Runtime::create(options, ec);
      if (ec) return ec;
      try {
        t.thread = std::thread([&t] { t.rt.block_on(wait(t.stop)); });
      } catch (const std::system_error& e) {
        return e.code();
      }
    }
    return {};
  }
  /// Hands the connection to the next runtime in turn: threads_.size() + 1 of them, the
  /// last being the caller's own.
  void serve(net::TcpStream conn, kv::Server& server, exec::SemaphorePermit permit) {
    exec::Task<void> task = kv::serve_connection(std::move(conn), server, std::move(permit));
    const std::size_t i = next_;
    next_ = next_ == threads_.size() ? 0 : next_ + 1;
    if (i == threads_.size()) {
      exec::spawn(std::move(task)).detach();
    } else {
      threads_[i].rt.spawn(std::move(task)).detach();
    }
  }
  /// Joins the threads, then shuts their runtimes down, which drops (and so closes) the
  /// connections they served.
  void stop() noexcept {
    if (std::exchange(stopped_, true)) return;
    for (Thread& t : threads_) t.stop.notify_one();
    for (Thread& t : threads_) {
      if (t.thread.joinable()) t.thread.join();
    }
    for (Thread& t : threads_) (void)t.rt.shutdown();
  }

 private:
  struct Thread {
    exec::Runtime rt;
    exec::Notify stop;  // notify_one keeps a permit: a stop before the wait is not lost
    std::thread thread;
  };
  static exec::Task<void> wait(exec::Notify& stop) { co_await stop.notified(); }

  std::vector<Thread> threads_;
  std::size_t next_ = 0;
  bool stopped_ = false;
};

// Takes the next connection off the backlog: false once the listener can no longer wait.
exec::Task<bool> accept_one(exec::AsyncFd<net::TcpListener>& listener, net::TcpStream& conn) {
  for (;;) {
    auto [rec, guard] = co_await listener.readable();
    if (rec) co_return false;
    auto r = guard.try_io([](net::TcpListener& l) {
      exec::IoResult<net::TcpStream> a;
      a.value = l.accept(a.error);
      return a;
    });
    if (is_would_block(r.error)) continue;
    if (r.error == std::errc::too_many_files_open ||
        r.error == std::errc::too_many_files_open_in_system) {
      co_await exec::sleep(10ms);  // the backlog keeps the rest until a connection closes
      continue;
    }
    if (r.error) continue;  // the client left before it was accepted, and the like
    conn = std::move(r.value);
    co_return true;
  }
}

// The limit waits in acquire() before accept(): excess clients stay in the backlog.
// Without `workers` (work stealing) a connection runs on whichever worker takes it.
exec::Task<void> accept_loop(exec::AsyncFd<net::TcpListener>& listener, kv::Server& server,
                             exec::Semaphore& slots, Workers* workers) {
  for (;;) {
    auto [aec, permit] = co_await slots.acquire();
    if (aec) co_return;
    net::TcpStream conn;
    if (!co_await accept_one(listener, conn)) co_return;
    if (workers != nullptr) {
      workers->serve(std::move(conn), server, std::move(permit));
    } else {
      exec::spawn(kv::serve_connection(std::move(conn), server, std::move(permit))).detach();
    }
  }
}

template <class T>
exec::Task<void> stop(exec::JoinHandle<T> handle) {
  handle.abort();
  auto r = co_await std::move(handle);
  (void)r;  // cancelled, as asked
}

exec::Task<int> serve(net::SocketAddr addr, kv::Server& server, exec::Semaphore& slots,
                      Workers* workers) {
  std::error_code ec;
  // Made before the listener, so a signal sent once "listening on" is printed is caught.
  exec::SignalStream signals = exec::SignalStream::create({SIGINT, SIGTERM}, ec);
  if (ec) {
    std::fprintf(stderr, "kv_server: signals: %s\n", ec.message().c_str());
    co_return 1;
  }
  net::TcpListener bound = net::TcpListener::bind(addr, ec);
  if (ec) {
    std::fprintf(stderr, "kv_server: bind %s: %s\n", addr.to_string().c_str(),
                 ec.message().c_str());
    co_return 1;
  }
  const net::SocketAddr local = bound.local_addr(ec);
  auto [rec, listener] = exec::AsyncFd<net::TcpListener>::create(std::move(bound),
                                                                 Interest::readable);
  if (rec) {
    std::fprintf(stderr, "kv_server: listener: %s\n", rec.message().c_str());
    co_return 1;
  }
  exec::JoinHandle<void> expirer = exec::spawn(kv::run_expirer(server.store));
  exec::JoinHandle<void> acceptor = exec::spawn(accept_loop(listener, server, slots, workers));
  std::printf("listening on %s\n", local.to_string().c_str());
  std::fflush(stdout);
  const auto [sec, sig] = co_await signals.recv();
  (void)sec;
  (void)sig;
  // Stop accepting (the listener goes with this frame); main then stops the other
  // threads and shuts every runtime down, which drops each connection task and with it
  // its socket.
  co_await stop(std::move(acceptor));
  co_await stop(std::move(expirer));
  co_return 0;
}

int usage() {
  std::fprintf(stderr,
               "usage: kv_server --listen IP:PORT [--workers N] [--work-stealing]"
               " [--max-connections N]\n");
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
  bool stealing = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--listen" && i + 1 < argc) {
      listen = argv[++i];
    } else if (arg == "--workers" && i + 1 < argc) {
      if (!parse_count(argv[++i], 1024, workers) || workers == 0) return usage();
    } else if (arg == "--work-stealing") {
      stealing = true;
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

  // Outlive the runtimes: their shutdown drops the connection tasks that refer to them.
  kv::Server server;
  exec::Semaphore slots(static_cast<std::size_t>(max_connections));

  exec::RuntimeOptions options;
  options.flavor = stealing ? exec::Flavor::multi_thread : exec::Flavor::current_thread;
  options.workers = static_cast<unsigned>(workers);
  exec::Runtime rt = exec::Runtime::create(options, ec);
  Workers others(stealing ? 0 : static_cast<std::size_t>(workers - 1));
  if (!ec) ec = others.start();
  if (ec) {
    std::fprintf(stderr, "kv_server: runtime: %s\n", ec.message().c_str());
    return 1;
  }
  const int rc = rt.block_on(serve(addr, server, slots, stealing ? nullptr : &others));
  others.stop();
  (void)rt.shutdown();
  return rc;
}
