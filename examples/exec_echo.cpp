// SPDX-License-Identifier: MIT
// exec_echo: the echo server on pollux-exec, one task per connection.
//
//   exec_echo --listen IP:PORT [--workers N]     (PORT 0 picks a free port)
//
// N workers of the multi-thread runtime (default 1); N = 0 runs the current-thread
// runtime on the main thread. Prints exactly one line, "listening on IP:PORT", then
// echoes every client until SIGINT or SIGTERM (Windows: Ctrl-C or Ctrl-Break), which an
// exec::SignalStream awaits beside the accept loop, and exits with 0.
//
// An idle connection holds no buffer: its task waits for readiness, not in a read. Once
// readable, it reads into its worker thread's buffer (never cleared: a read only writes
// what it returns) and writes that straight back; only the part a slow client does not
// take at once is copied into the connection's own buffer, which is written out before
// anything more is read and then freed. So a connection holds at most one read's worth,
// and a client that does not read its echo stalls only its own task.

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/select.hpp>
#include <pollux/exec/signal.hpp>
#include <pollux/exec/sleep.hpp>
#include <pollux/exec/tcp_listener.hpp>
#include <pollux/exec/tcp_stream.hpp>

#include <pollux/signals.hpp>
#include <pollux/would_block.hpp>

#include <array>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#if __has_include(<sys/resource.h>)
#include <sys/resource.h>
#endif

using namespace pollux;
using namespace std::chrono_literals;

namespace {

// One page: enough for a message or a burst of them; bulk transfers take more reads.
constexpr std::size_t kBuffer = 4096;

// What stops the server: SIGINT and SIGTERM on Unix; Ctrl-C and Ctrl-Break on Windows.
#if defined(_WIN32)
constexpr int kStopSignals[] = {win::kCtrlC, win::kCtrlBreak};
#else
constexpr int kStopSignals[] = {SIGINT, SIGTERM};
#endif

// The calling thread's read buffer. A task may resume on another worker after any
// co_await, so it asks again each time rather than keep the address across one (and
// noinline: nothing may cache a thread-local address across a suspension).
[[gnu::noinline]] std::span<std::byte> thread_buffer() {
  thread_local std::array<std::byte, kBuffer> buf;  // uninitialised, as said above
  return buf;
}

exec::Task<void> echo(exec::TcpStream stream) {
  (void)stream.set_nodelay(true);
  std::vector<std::byte> owed;  // what the client has not taken yet; empty while idle
  for (;;) {
    if ((co_await stream.readable()).error) co_return;
    const std::span<std::byte> buf = thread_buffer();
    const exec::IoResult<std::size_t> got =
        stream.try_io(Interest::readable, [&](exec::IoAttempt& at) {
          exec::IoResult<std::size_t> r;
          r.value = stream.get().read(buf, r.error);
          // Less than the buffer holds: the socket is empty now, and another read could
          // only meet would-block. Forget the readiness, so the next wait suspends at once.
          if (!r.error && r.value < buf.size()) at.clear_ready();
          return r;
        });
    if (is_would_block(got.error)) continue;  // readiness forgotten: wait for the next
    if (got.error) co_return;
    const std::size_t n = got.value;
    if (n == 0) {
      (void)stream.shutdown(net::Shutdown::write);
      co_return;
    }
    const auto [wec, sent] = stream.try_io(Interest::writable, [&] {
      exec::IoResult<std::size_t> r;
      r.value = stream.get().write(buf.first(n), r.error);
      return r;
    });
    if (wec && !is_would_block(wec)) co_return;
    const std::size_t taken = wec ? 0 : sent;
    if (taken < n) {
      owed.assign(buf.begin() + static_cast<std::ptrdiff_t>(taken),
                  buf.begin() + static_cast<std::ptrdiff_t>(n));
      if (co_await stream.write_all(owed)) co_return;
      std::vector<std::byte>().swap(owed);
    }
  }
}

exec::Task<void> accept_loop(exec::TcpListener& listener) {
  for (;;) {
    auto [ec, stream] = co_await listener.accept();
    if (ec == std::errc::too_many_files_open || ec == std::errc::too_many_files_open_in_system) {
      // The backlog keeps the rest: try again once some connection may have closed.
      co_await exec::sleep(10ms);
      continue;
    }
    if (ec) {
      std::fprintf(stderr, "exec_echo: accept: %s\n", ec.message().c_str());
      continue;
    }
    exec::spawn(echo(std::move(stream))).detach();
  }
}

exec::Task<int> serve(net::SocketAddr addr) {
  std::error_code ec;
  // Watched before "listening on" is printed: a stop sent once that line is read counts.
  exec::SignalStream stop = exec::SignalStream::create(kStopSignals, ec);
  if (ec) {
    std::fprintf(stderr, "exec_echo: signals: %s\n", ec.message().c_str());
    co_return 1;
  }
  exec::TcpListener listener = exec::TcpListener::bind(addr, ec);
  if (ec) {
    std::fprintf(stderr, "exec_echo: bind %s: %s\n", addr.to_string().c_str(),
                 ec.message().c_str());
    co_return 1;
  }
  const net::SocketAddr local = listener.local_addr(ec);
  std::printf("listening on %s\n", local.to_string().c_str());
  std::fflush(stdout);
  // The accept loop runs until a stop signal arrives; select then drops it at its await
  // (accept is cancel-safe). The connections' tasks go with the runtime's shutdown.
  (void)co_await exec::select(stop.recv(), accept_loop(listener));
  co_return 0;
}

int usage() {
  std::fprintf(stderr, "usage: exec_echo --listen IP:PORT [--workers N]\n");
  return 2;
}

void raise_fd_limit() {
#if __has_include(<sys/resource.h>)
  // Thousands of concurrent clients need more than the usual soft limit of 1024.
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &lim);
  }
#endif
}

}  // namespace

int main(int argc, char** argv) {
  std::string_view listen;
  long workers = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--listen" && i + 1 < argc) {
      listen = argv[++i];
    } else if (arg == "--workers" && i + 1 < argc) {
      char* end = nullptr;
      workers = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || workers < 0 || workers > 1024) return usage();
    } else {
      return usage();
    }
  }
  if (listen.empty()) return usage();
  std::error_code ec;
  const auto addr = net::SocketAddr::parse(listen, ec);
  if (ec) {
    std::fprintf(stderr, "exec_echo: bad address '%.*s': %s\n", static_cast<int>(listen.size()),
                 listen.data(), ec.message().c_str());
    return 2;
  }
  raise_fd_limit();

  exec::RuntimeOptions options;
  options.flavor = workers == 0 ? exec::Flavor::current_thread : exec::Flavor::multi_thread;
  options.workers = static_cast<unsigned>(workers);
  exec::Runtime rt = exec::Runtime::create(options, ec);
  if (ec) {
    std::fprintf(stderr, "exec_echo: runtime: %s\n", ec.message().c_str());
    return 1;
  }
  const int rc = rt.block_on(serve(addr));
  // Open connections are dropped with their tasks.
  (void)rt.shutdown();
  return rc;
}
