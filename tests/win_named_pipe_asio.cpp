// SPDX-License-Identifier: MIT
// Asio's windows::stream_handle, an independent client, talking to a pollux named-pipe
// server (a NamedPipeListener echoing in message mode and in byte mode).

#include "util.hpp"

#include <pollux/win/named_pipe.hpp>
#include <pollux/win/named_pipe_listener.hpp>

#include <asio.hpp>
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
using pollux::win::PipeMode;

namespace {

// Serves `clients` connections on `name`, echoing what each sends; returns how many it
// served to the end, or -1 with `error` set. No doctest assertions here: it runs on its own
// thread, and doctest's thread-local streams crash at thread exit under mingw's
// winpthreads, so the main thread checks the result.
int echo_server(const std::string& name, const NamedPipeOptions& options, int clients,
                std::atomic<bool>& ready, std::string& error) {
  std::error_code ec;
  auto poll = pollux::Poll::create(ec);
  auto listener = NamedPipeListener::create(name, options, 2, ec);
  if (!ec) ec = poll.registry().add(listener, Token(0), Interest::readable);
  ready = true;
  if (ec) {
    error = "listener: " + ec.message();
    return -1;
  }
  std::map<std::size_t, NamedPipe> conns;
  std::size_t next = 1;
  int finished = 0;
  Events events(32);
  std::string buffer(64 * 1024, '\0');
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (finished < clients && std::chrono::steady_clock::now() < deadline) {
    if ((ec = poll.poll(events, 50ms))) {
      error = "poll: " + ec.message();
      return -1;
    }
    std::vector<Token> ready_tokens;
    for (const auto& e : events) ready_tokens.push_back(e.token());
    for (auto token : ready_tokens) {
      if (token == Token(0)) {
        for (;;) {
          auto pipe = listener.accept(ec);
          if (ec) break;
          if ((ec = poll.registry().add(pipe, Token(next), Interest::readable | Interest::writable))) {
            error = "add: " + ec.message();
            return -1;
          }
          conns.emplace(next++, std::move(pipe));
        }
        continue;
      }
      auto it = conns.find(token.value());
      if (it == conns.end()) continue;
      auto& pipe = it->second;
      for (;;) {
        auto k = pipe.read(buffer.data(), buffer.size(), ec);
        if (ec == std::errc::operation_would_block) break;
        if (ec || k == 0) {
          (void)poll.registry().remove(pipe);
          conns.erase(it);
          ++finished;
          break;
        }
        // Each read is echoed whole before the next; in message mode, as one message.
        std::size_t sent = 0;
        while (sent < k) {
          auto w = pipe.write(buffer.data() + sent, k - sent, ec);
          if (ec == std::errc::operation_would_block) {
            Events more(32);
            (void)poll.poll(more, 10ms);
            continue;
          }
          if (ec) {
            error = "write: " + ec.message();
            return -1;
          }
          sent += w;
        }
      }
    }
  }
  return finished;
}

HANDLE open_raw(const std::string& name) {
  std::wstring wide(name.begin(), name.end());
  for (int attempt = 0; attempt < 500; ++attempt) {
    HANDLE h = CreateFileW(wide.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                           FILE_FLAG_OVERLAPPED, nullptr);
    if (h != INVALID_HANDLE_VALUE) return h;
    WaitNamedPipeW(wide.c_str(), 20);
  }
  return INVALID_HANDLE_VALUE;
}

}  // namespace

TEST_CASE("asio stream_handle clients get their bytes echoed by a pollux server") {
  const std::string name = "\\\\.\\pipe\\pollux-asio-" + std::to_string(GetCurrentProcessId());
  constexpr int kClients = 3;
  std::atomic<bool> ready{false};
  std::string error;
  int served = 0;
  std::thread server([&] { served = echo_server(name, {}, kClients, ready, error); });
  while (!ready) std::this_thread::sleep_for(1ms);

  asio::io_context io;
  int echoed = 0;
  struct Client {
    asio::windows::stream_handle handle;
    std::string out, in;
  };
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kClients; ++i) {
    HANDLE h = open_raw(name);
    REQUIRE(h != INVALID_HANDLE_VALUE);
    auto c = std::make_unique<Client>(Client{asio::windows::stream_handle(io, h), {}, {}});
    c->out = "asio client " + std::to_string(i) + ": " + std::string(20000 + i, 'x');
    c->in.resize(c->out.size());
    auto* raw = c.get();
    asio::async_write(raw->handle, asio::buffer(raw->out), [raw, &echoed](std::error_code ec, std::size_t) {
      REQUIRE_MESSAGE(!ec, ec.message());
      asio::async_read(raw->handle, asio::buffer(raw->in), [raw, &echoed](std::error_code ec2, std::size_t n) {
        REQUIRE_MESSAGE(!ec2, ec2.message());
        CHECK(n == raw->out.size());
        CHECK(raw->in == raw->out);
        ++echoed;
        raw->handle.close();
      });
    });
    clients.push_back(std::move(c));
  }
  io.run_for(15s);
  server.join();
  CHECK(error == "");
  CHECK(served == kClients);
  CHECK(echoed == kClients);
}

TEST_CASE("asio writes messages; the pollux server reads them whole in message mode") {
  const std::string name = "\\\\.\\pipe\\pollux-asio-msg-" + std::to_string(GetCurrentProcessId());
  NamedPipeOptions options;
  options.mode = PipeMode::message;
  options.read_buffer_size = 256;
  std::atomic<bool> ready{false};
  std::string error;
  int served = 0;
  std::thread server([&] { served = echo_server(name, options, 1, ready, error); });
  while (!ready) std::this_thread::sleep_for(1ms);

  asio::io_context io;
  HANDLE h = open_raw(name);
  REQUIRE(h != INVALID_HANDLE_VALUE);
  DWORD mode = PIPE_READMODE_MESSAGE;
  REQUIRE(SetNamedPipeHandleState(h, &mode, nullptr, nullptr));
  asio::windows::stream_handle handle(io, h);
  // Each write_some is one message; each echo comes back as one message of the same size.
  for (std::size_t size : {std::size_t{5}, std::size_t{1000}, std::size_t{7000}}) {
    CAPTURE(size);
    std::string out(size, static_cast<char>('a' + size % 26));
    std::error_code ec;
    REQUIRE(handle.write_some(asio::buffer(out), ec) == size);
    REQUIRE(!ec);
    std::string in(size + 100, '\0');
    auto n = handle.read_some(asio::buffer(in), ec);
    REQUIRE_MESSAGE(!ec, ec.message());
    CHECK(n == size);
    CHECK(in.substr(0, n) == out);
  }
  handle.close();
  server.join();
  CHECK(error == "");
  CHECK(served == 1);
}
