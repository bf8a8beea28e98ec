// SPDX-License-Identifier: MIT
// The plainest echo server on pollux-exec, for counting what its I/O awaitables cost
// (bench/exec_echo_instructions.py): each connection's task loops on
// `co_await read(buf)` then `co_await write_all(...)` with a buffer in its frame.
// examples/exec_echo is the one written for memory (readiness, then try_io).
//
//   bench_exec_echo_rw --listen IP:PORT [--workers N]    (N = 0: current-thread)

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/sleep.hpp>
#include <pollux/exec/tcp_listener.hpp>
#include <pollux/exec/tcp_stream.hpp>

#include <array>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string_view>

using namespace pollux;
using namespace std::chrono_literals;

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop.store(true); }

exec::Task<void> echo(exec::TcpStream stream) {
  (void)stream.set_nodelay(true);
  std::array<std::byte, 4096> buf;
  for (;;) {
    const auto [ec, n] = co_await stream.read(buf);
    if (ec || n == 0) co_return;
    if (co_await stream.write_all(std::span(buf).first(n))) co_return;
  }
}

exec::Task<void> accept_loop(exec::TcpListener& listener) {
  for (;;) {
    auto [ec, stream] = co_await listener.accept();
    if (ec) co_return;
    exec::spawn(echo(std::move(stream))).detach();
  }
}

exec::Task<int> serve(net::SocketAddr addr) {
  std::error_code ec;
  exec::TcpListener listener = exec::TcpListener::bind(addr, ec);
  if (ec) co_return 1;
  std::printf("listening on %s\n", listener.local_addr(ec).to_string().c_str());
  std::fflush(stdout);
  exec::JoinHandle<void> acceptor = exec::spawn(accept_loop(listener));
  while (!g_stop.load()) co_await exec::sleep(50ms);
  acceptor.abort();
  (void)co_await std::move(acceptor);
  co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string_view listen;
  long workers = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view arg = argv[i];
    if (arg == "--listen") {
      listen = argv[i + 1];
    } else if (arg == "--workers") {
      workers = std::strtol(argv[i + 1], nullptr, 10);
    }
  }
  std::error_code ec;
  const auto addr = net::SocketAddr::parse(listen, ec);
  if (ec || workers < 0) return 2;
  exec::RuntimeOptions options;
  options.flavor = workers == 0 ? exec::Flavor::current_thread : exec::Flavor::multi_thread;
  options.workers = static_cast<unsigned>(workers);
  exec::Runtime rt = exec::Runtime::create(options, ec);
  if (ec) return 1;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const int rc = rt.block_on(serve(addr));
  (void)rt.shutdown();
  return rc;
}
