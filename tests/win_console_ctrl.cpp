// SPDX-License-Identifier: MIT
// Signals on Windows: console control events through pollux's handler routine to the
// completion port. The events are sent the way Windows sends them, by a thread started at
// CtrlRoutine (signal_util.hpp); GenerateConsoleCtrlEvent reaches nothing under headless
// Wine (README.md, "Signals").

#include "signal_util.hpp"
#include "util.hpp"

#include <map>

#include <pollux/signals.hpp>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Signals;
using pollux::Token;
namespace win = pollux::win;

namespace {

constexpr auto kPatience = 20s;  // only against hangs

Signals make(std::initializer_list<int> signals) {
  std::error_code ec;
  Signals s = Signals::create(signals, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  REQUIRE(s.is_open());
  return s;
}

std::map<int, int> drain(Signals& s) {
  std::map<int, int> seen;
  for (;;) {
    std::error_code ec;
    const int sig = s.read(ec);
    if (pollux::is_would_block(ec)) return seen;
    REQUIRE_MESSAGE(!ec, ec.message());
    ++seen[sig];
  }
}

std::map<int, int> collect(pollux::Poll& poll, Signals& s, Token token, int want) {
  Events events(8);
  std::map<int, int> seen;
  int total = 0;
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (total < want && std::chrono::steady_clock::now() < deadline) {
    REQUIRE(!poll.poll(events, 100ms));
    for (const auto& event : events) {
      if (event.token() != token) continue;
      for (auto [sig, n] : drain(s)) {
        seen[sig] += n;
        total += n;
      }
    }
  }
  return seen;
}

}  // namespace

TEST_CASE("CTRL_C and CTRL_BREAK reach the port, each once, never merged") {
  auto poll = test::init_with_poll();
  Signals s = make({win::kCtrlC, win::kCtrlBreak});
  CHECK(Signals::ctrl_c() == win::kCtrlC);
  REQUIRE(!poll.registry().add(s, Token(1), Interest::readable));
  REQUIRE(test::send_signal(win::kCtrlBreak));
  REQUIRE(test::send_signal(win::kCtrlC));
  REQUIRE(test::send_signal(win::kCtrlBreak));
  CHECK(collect(poll, s, Token(1), 3) ==
        std::map<int, int>{{win::kCtrlC, 1}, {win::kCtrlBreak, 2}});
  Events events(8);
  test::expect_no_events(poll, events);
  CHECK(drain(s).empty());
}

TEST_CASE("an event before registration is reported; after remove none is") {
  Signals s = make({win::kCtrlC});
  REQUIRE(test::send_signal(win::kCtrlC));
  auto poll = test::init_with_poll();
  REQUIRE(!poll.registry().add(s, Token(2), Interest::readable));
  CHECK(collect(poll, s, Token(2), 1) == std::map<int, int>{{win::kCtrlC, 1}});
  REQUIRE(!poll.registry().modify(s, Token(3), Interest::readable));
  REQUIRE(test::send_signal(win::kCtrlC));
  CHECK(collect(poll, s, Token(3), 1) == std::map<int, int>{{win::kCtrlC, 1}});
  REQUIRE(!poll.registry().remove(s));
  REQUIRE(test::send_signal(win::kCtrlC));
  Events events(8);
  test::expect_no_events(poll, events);
  CHECK(drain(s) == std::map<int, int>{{win::kCtrlC, 1}});
}

TEST_CASE("a Signals object dropped and recreated works; two both see an event") {
  for (int round = 0; round < 3; ++round) {
    CAPTURE(round);
    auto poll_a = test::init_with_poll();
    auto poll_b = test::init_with_poll();
    Signals a = make({win::kCtrlBreak});
    Signals b = make({win::kCtrlBreak});
    REQUIRE(!poll_a.registry().add(a, Token(4), Interest::readable));
    REQUIRE(!poll_b.registry().add(b, Token(5), Interest::readable));
    REQUIRE(test::send_signal(win::kCtrlBreak));
    CHECK(collect(poll_a, a, Token(4), 1) == std::map<int, int>{{win::kCtrlBreak, 1}});
    CHECK(collect(poll_b, b, Token(5), 1) == std::map<int, int>{{win::kCtrlBreak, 1}});
  }
}

TEST_CASE("CTRL_CLOSE: the handler holds the process until the Signals is dropped") {
  auto poll = test::init_with_poll();
  Signals s = make({win::kCtrlClose});
  REQUIRE(!poll.registry().add(s, Token(6), Interest::readable));
  HMODULE base = GetModuleHandleW(L"kernelbase.dll");
  REQUIRE(base != nullptr);
  FARPROC routine = GetProcAddress(base, "CtrlRoutine");
  REQUIRE((routine != nullptr));
  HANDLE thread = CreateThread(
      nullptr, 0, reinterpret_cast<LPTHREAD_START_ROUTINE>(reinterpret_cast<void*>(routine)),
      reinterpret_cast<void*>(static_cast<std::uintptr_t>(win::kCtrlClose)), 0, nullptr);
  REQUIRE(thread != nullptr);
  CHECK(collect(poll, s, Token(6), 1) == std::map<int, int>{{win::kCtrlClose, 1}});
  // Read, but still held: Windows would end the process once the handler returns.
  CHECK(WaitForSingleObject(thread, 50) == WAIT_TIMEOUT);
  s = Signals();
  CHECK(WaitForSingleObject(thread, 20000) == WAIT_OBJECT_0);
  CloseHandle(thread);
}

TEST_CASE("bad input gets a clear error code") {
  std::error_code ec;
  for (int bad : {-1, 3, 4, 7, 100, 65536}) {
    CAPTURE(bad);
    Signals s = Signals::create({win::kCtrlC, bad}, ec);
    CHECK(ec == std::errc::invalid_argument);
    CHECK(!s.is_open());
  }
  Signals none = Signals::create(std::span<const int>(), ec);
  CHECK(ec == std::errc::invalid_argument);
  auto poll = test::init_with_poll();
  CHECK(poll.registry().add(none, Token(1), Interest::readable) == std::errc::bad_file_descriptor);
  Signals s = make({win::kCtrlC});
  CHECK(poll.registry().add(s, Token(1), Interest::writable) == std::errc::invalid_argument);
  CHECK(poll.registry().remove(s) == std::errc::no_such_file_or_directory);
  REQUIRE(!poll.registry().add(s, Token(1), Interest::readable));
  CHECK(poll.registry().add(s, Token(1), Interest::readable) == std::errc::file_exists);
  auto other = test::init_with_poll();
  CHECK(other.registry().add(s, Token(1), Interest::readable) == std::errc::file_exists);
  CHECK(s.read(ec) == 0);
  CHECK(pollux::is_would_block(ec));
}
