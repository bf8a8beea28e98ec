// SPDX-License-Identifier: MIT
// Windows: drives examples/tcp_echo as a child process under Wine: its one line, many
// concurrent clients, and a large transfer through its bounded buffers. (Console control
// events do not reach a headless Wine process, so the server is terminated, not signalled.)

#include <winsock2.h>
#include <windows.h>

#include "net_util.hpp"

#include <pollux/net/tcp_stream.hpp>

#include <cstdlib>
#include <vector>

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
    SECURITY_ATTRIBUTES inherit{sizeof inherit, nullptr, TRUE};
    HANDLE write_end = nullptr;
    REQUIRE(CreatePipe(&stdout_, &write_end, &inherit, 0));
    REQUIRE(SetHandleInformation(stdout_, HANDLE_FLAG_INHERIT, 0));
    STARTUPINFOA startup{};
    startup.cb = sizeof startup;
    startup.dwFlags = STARTF_USESTDHANDLES;
    startup.hStdOutput = write_end;
    startup.hStdError = GetStdHandle(STD_ERROR_HANDLE);
    std::string command = "\"" + std::string(path) + "\" --listen 127.0.0.1:0";
    const BOOL created = CreateProcessA(nullptr, command.data(), nullptr, nullptr, TRUE, 0, nullptr,
                                        nullptr, &startup, &process_);
    CloseHandle(write_end);
    REQUIRE_MESSAGE(created, "CreateProcess failed: " << GetLastError());
  }
  ~EchoServer() {
    if (process_.hProcess != nullptr) {
      TerminateProcess(process_.hProcess, 1);
      WaitForSingleObject(process_.hProcess, 5000);
      CloseHandle(process_.hProcess);
      CloseHandle(process_.hThread);
    }
    if (stdout_ != nullptr) CloseHandle(stdout_);
  }

  bool running() const { return WaitForSingleObject(process_.hProcess, 0) == WAIT_TIMEOUT; }

  /// What the server printed within `within` (stops early at a newline).
  std::string read_stdout(std::chrono::milliseconds within) {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline) {
      DWORD available = 0;
      if (!PeekNamedPipe(stdout_, nullptr, 0, nullptr, &available, nullptr)) break;  // closed
      if (available == 0) {
        std::this_thread::sleep_for(5ms);
        continue;
      }
      char buf[256];
      DWORD n = 0;
      if (!ReadFile(stdout_, buf, sizeof buf, &n, nullptr) || n == 0) break;
      text.append(buf, n);
      if (text.find('\n') != std::string::npos) break;
    }
    return text;
  }

  SocketAddr wait_listening() {
    auto line = read_stdout(10s);
    const std::string prefix = "listening on ";
    REQUIRE_MESSAGE(line.rfind(prefix, 0) == 0, line);
    REQUIRE(line.back() == '\n');
    // printf on Windows writes "\n" as "\r\n" to a pipe opened in text mode.
    std::size_t end = line.size() - 1;
    if (end > 0 && line[end - 1] == '\r') --end;
    std::error_code ec;
    auto addr = SocketAddr::parse(line.substr(prefix.size(), end - prefix.size()), ec);
    REQUIRE_MESSAGE(!ec, line);
    return addr;
  }

 private:
  HANDLE stdout_ = nullptr;
  PROCESS_INFORMATION process_{};
};

}  // namespace

TEST_CASE("tcp_echo prints one line and echoes many concurrent clients") {
  EchoServer server;
  const auto addr = server.wait_listening();
  constexpr std::size_t kClients = 200;
  auto poll = test::init_with_poll();
  Events events(256);
  std::error_code ec;
  std::vector<TcpStream> streams;
  std::vector<std::string> got(kClients);
  std::vector<bool> sent(kClients, false);
  for (std::size_t i = 0; i < kClients; ++i) {
    streams.push_back(TcpStream::connect(addr, ec));
    REQUIRE_MESSAGE(!ec, ec.message());
    REQUIRE(!poll.registry().add(streams.back(), Token(i), Interest::readable | Interest::writable));
  }
  auto message = [](std::size_t i) { return "client " + std::to_string(i) + " says hello\n"; };
  std::size_t done = 0;
  std::size_t moved = 0;  // bytes either way: what the stall guard watches
  test::StallGuard guard(20s);
  while (done < kClients && guard.alive(moved)) {
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
  REQUIRE(done == kClients);
  for (std::size_t i = 0; i < kClients; ++i) CHECK(got[i] == message(i));
  CHECK(server.read_stdout(100ms).empty());
  CHECK(server.running());
}

TEST_CASE("tcp_echo returns a large stream intact") {
  EchoServer server;
  const auto addr = server.wait_listening();
  auto poll = test::init_with_poll();
  Events events(8);
  std::error_code ec;
  auto stream = TcpStream::connect(addr, ec);
  REQUIRE(!ec);
  REQUIRE(!poll.registry().add(stream, Token(1), Interest::readable | Interest::writable));
  constexpr std::size_t kSize = 4 << 20;
  std::vector<std::byte> data(kSize);
  for (std::size_t i = 0; i < kSize; ++i) data[i] = static_cast<std::byte>((i * 131) >> 3);
  std::size_t written = 0;
  std::vector<std::byte> back;
  back.reserve(kSize);
  std::byte buf[65536];
  test::StallGuard guard(20s);
  while (back.size() < kSize && guard.alive(written + back.size())) {
    REQUIRE(!poll.poll(events, 200ms));
    // Readiness is edge-triggered: drain both directions to would-block every time.
    while (written < kSize) {
      auto n = stream.write(std::span(data).subspan(written), ec);
      if (ec == std::errc::operation_would_block) break;
      REQUIRE_MESSAGE(!ec, ec.message());
      written += n;
    }
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
  CHECK(server.running());
}
