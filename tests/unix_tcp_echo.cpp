// SPDX-License-Identifier: MIT
// Drives examples/tcp_echo as a child process: its one line, many concurrent clients, a
// large transfer through its bounded buffers, and a clean exit on SIGTERM and SIGINT.

#include "net_util.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

extern char** environ;

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Token;
using pollux::net::SocketAddr;
using pollux::net::TcpStream;

namespace {

class EchoServer {
 public:
  EchoServer() {
    const char* path = std::getenv("POLLUX_TCP_ECHO");
    REQUIRE_MESSAGE(path != nullptr, "POLLUX_TCP_ECHO names the tcp_echo binary");
    int out[2];
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    char* argv[] = {const_cast<char*>(path), const_cast<char*>("--listen"),
                    const_cast<char*>("127.0.0.1:0"), nullptr};
    REQUIRE(::posix_spawn(&pid_, path, &actions, nullptr, argv, environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    stdout_ = out[0];
  }
  ~EchoServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (stdout_ >= 0) ::close(stdout_);
  }

  /// Everything the server printed until `within` passes or it closes stdout.
  std::string read_stdout(std::chrono::milliseconds within) {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{stdout_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[256];
      auto n = ::read(stdout_, buf, sizeof buf);
      if (n <= 0) break;
      text.append(buf, static_cast<std::size_t>(n));
      if (text.find('\n') != std::string::npos && within > 1s) break;
    }
    return text;
  }

  SocketAddr wait_listening() {
    auto line = read_stdout(5s);
    const std::string prefix = "listening on ";
    REQUIRE_MESSAGE(line.rfind(prefix, 0) == 0, line);
    REQUIRE(line.back() == '\n');
    std::error_code ec;
    auto addr = SocketAddr::parse(line.substr(prefix.size(), line.size() - prefix.size() - 1), ec);
    REQUIRE_MESSAGE(!ec, line);
    return addr;
  }

  /// Sends `sig` and returns the exit status, or -1 if it did not exit within 5 s.
  int stop(int sig) {
    REQUIRE(::kill(pid_, sig) == 0);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int stdout_ = -1;
};

void raise_fd_limit() {
  rlimit limit{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &limit) == 0);
  limit.rlim_cur = limit.rlim_max;
  (void)::setrlimit(RLIMIT_NOFILE, &limit);
}

std::size_t fd_limit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

}  // namespace

TEST_CASE("tcp_echo prints one line, echoes many concurrent clients, and exits on SIGTERM") {
  raise_fd_limit();
  EchoServer server;
  const auto addr = server.wait_listening();

  // Thousands where the fd limit allows (client and server each need one per connection).
  const std::size_t clients = std::min<std::size_t>(2000, fd_limit() / 2 - 64);
  REQUIRE(clients >= 500);
  auto poll = test::init_with_poll();
  Events events(1024);
  std::error_code ec;
  std::vector<TcpStream> streams;
  std::vector<std::string> got(clients);
  std::vector<bool> sent(clients, false);
  for (std::size_t i = 0; i < clients; ++i) {
    streams.push_back(TcpStream::connect(addr, ec));
    REQUIRE_MESSAGE(!ec, ec.message());
    REQUIRE(!poll.registry().add(streams.back(), Token(i), Interest::readable | Interest::writable));
  }
  auto message = [](std::size_t i) { return "client " + std::to_string(i) + " says hello\n"; };
  std::size_t done = 0;
  std::size_t moved = 0;  // bytes either way: what the stall guard watches
  test::StallGuard guard(20s);
  while (done < clients && guard.alive(moved)) {
    REQUIRE(!poll.poll(events, 200ms));
    for (const auto& e : events) {
      const auto i = e.token().value();
      if (e.is_writable() && !sent[i]) {
        const auto m = message(i);
        auto n = streams[i].write(test::bytes(m), ec);
        if (ec == std::errc::operation_would_block) continue;
        REQUIRE_MESSAGE(!ec, ec.message());
        REQUIRE(n == m.size());
        sent[i] = true;
        moved += n;
      }
      if (e.is_readable()) {
        const bool was_done = got[i].size() == message(i).size();
        const auto read = test::read_until_would_block(streams[i]).first;
        got[i] += read;
        moved += read.size();
        if (!was_done && got[i].size() == message(i).size()) ++done;
      }
    }
  }
  REQUIRE(done == clients);
  for (std::size_t i = 0; i < clients; ++i) CHECK(got[i] == message(i));

  // Only the one line: nothing else on stdout.
  CHECK(server.read_stdout(100ms).empty());
  CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("tcp_echo returns a large stream intact although the client reads late") {
  EchoServer server;
  const auto addr = server.wait_listening();
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  auto stream = TcpStream::connect(addr, ec);
  REQUIRE(!ec);
  REQUIRE(!poll.registry().add(stream, Token(1), Interest::readable | Interest::writable));

  constexpr std::size_t kSize = 32 << 20;
  std::vector<std::byte> data(kSize);
  for (std::size_t i = 0; i < kSize; ++i) data[i] = static_cast<std::byte>((i * 131) >> 3);
  std::size_t written = 0;
  std::vector<std::byte> back;
  std::byte buf[65536];
  // Write until the whole pipeline (our send buffer, the server's bounded buffer, its
  // send buffer, our receive buffer: about 20 MiB at Linux's default maxima) is full,
  // and only then read: the server must neither block nor lose data meanwhile.
  bool stalled = false;
  test::StallGuard guard(20s);
  while (back.size() < kSize && guard.alive(written + back.size())) {
    REQUIRE(!poll.poll(events, 200ms));
    while (written < kSize) {
      auto n = stream.write(std::span(data).subspan(written), ec);
      if (ec == std::errc::operation_would_block) {
        stalled = true;
        break;
      }
      REQUIRE_MESSAGE(!ec, ec.message());
      written += n;
    }
    if (!stalled && written < kSize) continue;
    while (true) {
      auto n = stream.read(buf, ec);
      if (ec == std::errc::operation_would_block) break;
      REQUIRE_MESSAGE(!ec, ec.message());
      REQUIRE(n > 0);
      back.insert(back.end(), buf, buf + n);
    }
  }
  REQUIRE(back.size() == kSize);
  CHECK(back == data);

  // A client that closes its side gets the rest and then EOF from the server.
  REQUIRE(!stream.shutdown(pollux::net::Shutdown::write));
  auto [rest, eof] = test::retry_blocking([&](std::error_code& e) {
    auto r = test::read_until_would_block(stream);
    if (!r.second) e = std::make_error_code(std::errc::operation_would_block);
    return r;
  });
  CHECK(rest.empty());
  CHECK(eof);
  CHECK(server.stop(SIGINT) == 0);
}
