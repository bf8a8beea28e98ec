// SPDX-License-Identifier: MIT
// win::NamedPipeListener: an echo server under many concurrent clients; instances are
// always there for the next client.

#include "util.hpp"

#include <pollux/win/named_pipe.hpp>
#include <pollux/win/named_pipe_listener.hpp>

#include <windows.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Token;
using pollux::win::NamedPipe;
using pollux::win::NamedPipeListener;
using pollux::win::NamedPipeOptions;

namespace {

const Interest kBoth = Interest::readable | Interest::writable;

std::string unique_name() {
  static std::atomic<int> n{0};
  return "\\\\.\\pipe\\pollux-listener-" + std::to_string(GetCurrentProcessId()) + "-" +
         std::to_string(n++);
}

// Echoes every connection until `stop`; counts connections that reached EOF.
struct EchoServer {
  pollux::Poll poll = test::init_with_poll();
  NamedPipeListener listener;
  std::map<std::size_t, std::pair<NamedPipe, std::string>> conns;  // pipe, unsent bytes
  std::size_t next = 1;
  int finished = 0;
  int accepted = 0;

  EchoServer(const std::string& name, std::size_t backlog) {
    std::error_code ec;
    listener = NamedPipeListener::create(name, {}, backlog, ec);
    REQUIRE_MESSAGE(!ec, ec.message());
    REQUIRE(!poll.registry().add(listener, Token(0), Interest::readable));
  }

  void flush(NamedPipe& pipe, std::string& out) {
    while (!out.empty()) {
      std::error_code ec;
      auto k = pipe.write(out.data(), out.size(), ec);
      if (ec) return;  // would-block: a writable event brings us back; errors: EOF follows
      out.erase(0, k);
    }
  }

  void run_once(Events& events) {
    REQUIRE(!poll.poll(events, 50ms));
    for (const auto& e : events) {
      if (e.token() == Token(0)) {
        for (;;) {
          std::error_code ec;
          auto pipe = listener.accept(ec);
          if (ec == std::errc::operation_would_block) break;
          REQUIRE_MESSAGE(!ec, ec.message());
          auto id = next++;
          REQUIRE(!poll.registry().add(pipe, Token(id), kBoth));
          conns.emplace(id, std::make_pair(std::move(pipe), std::string()));
          ++accepted;
        }
        continue;
      }
      auto it = conns.find(e.token().value());
      if (it == conns.end()) continue;
      auto& [pipe, out] = it->second;
      bool eof = false;
      char buffer[512];
      for (;;) {
        std::error_code ec;
        auto k = pipe.read(buffer, sizeof buffer, ec);
        if (ec == std::errc::operation_would_block) break;
        if (ec || k == 0) {
          eof = true;
          break;
        }
        out.append(buffer, k);
      }
      flush(pipe, out);
      if (eof) {
        REQUIRE(!poll.registry().remove(pipe));
        conns.erase(it);
        ++finished;
      }
    }
  }
};

// A blocking client: one try to open (no retry), then one request and its echo.
std::string round_trip(NamedPipe& pipe, const std::string& text) {
  HANDLE h = pipe.handle();
  OVERLAPPED ov{};
  ov.hEvent = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  DWORD n = 0;
  if (!WriteFile(h, text.data(), static_cast<DWORD>(text.size()), nullptr, &ov) &&
      GetLastError() != ERROR_IO_PENDING) {
    CloseHandle(ov.hEvent);
    return "write failed";
  }
  GetOverlappedResult(h, &ov, &n, TRUE);
  std::string got;
  char buffer[256];
  while (got.size() < text.size()) {
    ResetEvent(ov.hEvent);
    if (!ReadFile(h, buffer, sizeof buffer, nullptr, &ov) && GetLastError() != ERROR_IO_PENDING) break;
    if (!GetOverlappedResult(h, &ov, &n, TRUE) || n == 0) break;
    got.append(buffer, n);
  }
  CloseHandle(ov.hEvent);
  return got;
}

}  // namespace

TEST_CASE("sequential clients find an instance at the first try, every time") {
  auto name = unique_name();
  EchoServer server(name, 2);
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::thread clients([&] {
    for (int i = 0; i < 30; ++i) {
      std::error_code ec;
      // open_client: a single CreateFile, no waiting and no retry.
      auto pipe = NamedPipe::open_client(name, {}, ec);
      if (ec) {
        ++failures;
        continue;
      }
      std::string text = "client " + std::to_string(i);
      if (round_trip(pipe, text) != text) ++failures;
    }
    done = true;
  });
  Events events(64);
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while ((!done || server.finished < server.accepted) && std::chrono::steady_clock::now() < deadline) {
    server.run_once(events);
  }
  clients.join();
  CHECK(failures == 0);
  CHECK(server.accepted == 30);
  CHECK(server.finished == 30);
  CHECK(server.listener.waiting() == 2);
}

TEST_CASE("50 concurrent clients are all served") {
  auto name = unique_name();
  EchoServer server(name, 4);
  constexpr int kClients = 50;
  std::atomic<int> ok{0}, absent{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      std::error_code ec;
      // Busy is possible when more clients than instances arrive at once; absent never.
      auto first = NamedPipe::open_client(name, {}, ec);
      if (ec == std::errc::no_such_file_or_directory) ++absent;
      NamedPipe pipe = ec ? NamedPipe::connect_client(name, {}, 10s, ec) : std::move(first);
      if (ec) return;
      std::string text = "concurrent client " + std::to_string(i) + std::string(i * 10, '.');
      if (round_trip(pipe, text) == text) ++ok;
    });
  }
  Events events(64);
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (server.finished < kClients && std::chrono::steady_clock::now() < deadline) {
    server.run_once(events);
  }
  for (auto& t : clients) t.join();
  CHECK(ok == kClients);
  CHECK(absent == 0);
  CHECK(server.accepted == kClients);
  CHECK(server.finished == kClients);
}

TEST_CASE("listener misuse and teardown") {
  std::error_code ec;
  NamedPipeOptions options;
  options.max_instances = 2;
  auto name = unique_name();
  auto too_many = NamedPipeListener::create(name, options, 3, ec);
  CHECK(ec == std::errc::invalid_argument);
  auto poll = test::init_with_poll();
  auto listener = NamedPipeListener::create(name, options, 2, ec);
  REQUIRE(!ec);
  CHECK(poll.registry().remove(listener) == std::errc::no_such_file_or_directory);
  auto none = listener.accept(ec);
  CHECK(ec == std::errc::operation_would_block);
  REQUIRE(!poll.registry().add(listener, Token(0), Interest::readable));
  CHECK(poll.registry().add(listener, Token(0), Interest::readable) == std::errc::file_exists);
  CHECK(listener.waiting() == 2);
  auto client = NamedPipe::open_client(name, {}, ec);
  REQUIRE(!ec);
  Events events(8);
  test::expect_events(poll, events, {{Token(0), test::kReadable}});
  auto pipe = listener.accept(ec);
  REQUIRE(!ec);
  // An accepted pipe belongs to the listener's Poll.
  auto other = test::init_with_poll();
  CHECK(other.registry().add(pipe, Token(1), kBoth) == std::errc::file_exists);
  REQUIRE(!poll.registry().add(pipe, Token(1), kBoth));
  REQUIRE(!poll.registry().remove(listener));
  CHECK(listener.waiting() == 0);
  // Its instances are closed: the name is gone once the accepted pipe goes too.
  REQUIRE(!poll.registry().remove(pipe));
  pipe = NamedPipe();
  auto late = NamedPipe::open_client(name, {}, ec);
  CHECK(ec == std::errc::no_such_file_or_directory);
}
