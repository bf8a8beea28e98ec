// SPDX-License-Identifier: MIT
#pragma once
// Helpers shared by the named-pipe suites (win_named_pipe*.cpp).

#include "util.hpp"

#include <pollux/win/named_pipe.hpp>

#include <windows.h>

#include <atomic>
#include <string>

namespace test::pipe {

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Token;
using pollux::win::NamedPipe;
using pollux::win::NamedPipeOptions;


inline const Interest kBoth = Interest::readable | Interest::writable;

inline std::string unique_name() {
  static std::atomic<int> n{0};
  return "\\\\.\\pipe\\pollux-np-" + std::to_string(GetCurrentProcessId()) + "-" + std::to_string(n++);
}

inline NamedPipe make_server(const std::string& name, const NamedPipeOptions& options = {}) {
  std::error_code ec;
  auto pipe = NamedPipe::create_server(name, options, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  return pipe;
}

inline NamedPipe make_client(const std::string& name, const NamedPipeOptions& options = {}) {
  std::error_code ec;
  auto pipe = NamedPipe::open_client(name, options, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  return pipe;
}

inline void add(pollux::Poll& poll, NamedPipe& pipe, Token token, Interest interest = kBoth) {
  auto ec = poll.registry().add(pipe, token, interest);
  REQUIRE_MESSAGE(!ec, ec.message());
}

// Reads until `n` bytes (or EOF), `chunk` at a time, polling on would-block.
inline std::string read_some(pollux::Poll& poll, Events& events, NamedPipe& pipe, std::size_t n,
                      std::size_t chunk) {
  std::string got;
  std::string buffer(chunk, '\0');
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    auto k = pipe.read(buffer.data(), buffer.size(), ec);
    if (ec == std::errc::operation_would_block) {
      REQUIRE(!poll.poll(events, 100ms));
      continue;
    }
    REQUIRE_MESSAGE(!ec, ec.message());
    if (k == 0) break;
    CHECK(k <= chunk);
    got.append(buffer.data(), k);
  }
  return got;
}

inline void write_all(pollux::Poll& poll, Events& events, NamedPipe& pipe, const std::string& data) {
  std::size_t done = 0;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (done < data.size() && std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    auto k = pipe.write(data.data() + done, data.size() - done, ec);
    if (ec == std::errc::operation_would_block) {
      REQUIRE(!poll.poll(events, 100ms));
      continue;
    }
    REQUIRE_MESSAGE(!ec, ec.message());
    done += k;
  }
  REQUIRE(done == data.size());
}

inline bool under_wine() {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  return ntdll != nullptr && GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

inline std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
  return s;
}


}  // namespace test::pipe
