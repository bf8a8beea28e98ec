// SPDX-License-Identifier: MIT
#pragma once
// Helpers shared by the win::Binding suites (win_binding*.cpp).

#include "util.hpp"

#include <pollux/win/binding.hpp>
#include <pollux/win/overlapped.hpp>

#include <winsock2.h>
#include <windows.h>

#include <atomic>
#include <cstring>
#include <string>

namespace test::binding {

using namespace std::chrono_literals;

inline std::wstring temp_path(const wchar_t* leaf) {
  wchar_t dir[MAX_PATH];
  REQUIRE(GetTempPathW(MAX_PATH, dir) > 0);
  return std::wstring(dir) + leaf + std::to_wstring(GetCurrentProcessId());
}

struct Handle {
  HANDLE h = INVALID_HANDLE_VALUE;
  Handle() = default;
  explicit Handle(HANDLE handle) : h(handle) {}
  Handle(const Handle&) = delete;
  ~Handle() { close(); }
  void close() {
    if (h != INVALID_HANDLE_VALUE && h != nullptr) CloseHandle(h);
    h = INVALID_HANDLE_VALUE;
  }
};

// A connected pair of overlapped pipe ends, so that a read stays pending until we write.
struct PipePair {
  Handle server, client;
  PipePair() {
    static std::atomic<int> n{0};
    std::wstring name = L"\\\\.\\pipe\\pollux-binding-" + std::to_wstring(GetCurrentProcessId()) +
                        L"-" + std::to_wstring(n++);
    server.h = CreateNamedPipeW(name.c_str(), PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED,
                                PIPE_TYPE_BYTE | PIPE_WAIT, 1, 4096, 4096, 0, nullptr);
    REQUIRE(server.h != INVALID_HANDLE_VALUE);
    client.h = CreateFileW(name.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                           FILE_FLAG_OVERLAPPED, nullptr);
    REQUIRE(client.h != INVALID_HANDLE_VALUE);
  }
  void write_from_client(const char* text) {
    OVERLAPPED ov{};
    ov.hEvent = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    DWORD n = 0;
    BOOL ok = WriteFile(client.h, text, static_cast<DWORD>(std::strlen(text)), nullptr, &ov);
    if (!ok) REQUIRE(GetLastError() == ERROR_IO_PENDING);
    REQUIRE(GetOverlappedResult(client.h, &ov, &n, TRUE));
    CloseHandle(ov.hEvent);
  }
};

inline auto read_into(void* buffer, DWORD size) {
  return [=](void* h, _OVERLAPPED* ov) {
    return ReadFile(h, buffer, size, nullptr, reinterpret_cast<OVERLAPPED*>(ov));
  };
}

// Polls until a completion with `token` arrives; returns it. The limit only ends a wait
// that would never end: a loaded machine under Wine can be many times slower.
inline pollux::Event wait_completion(pollux::Poll& poll, pollux::Events& events, pollux::Token token) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    REQUIRE(!poll.poll(events, 100ms));
    for (const auto& e : events) {
      if (e.token() == token && e.is_completion()) return e;
    }
  }
  FAIL("no completion for token " << token.value());
  return {};
}

inline void add(pollux::Poll& poll, auto& source, pollux::Token token) {
  auto ec = poll.registry().add(source, token, pollux::Interest::readable);
  REQUIRE_MESSAGE(!ec, ec.message());
}

}  // namespace test::binding
