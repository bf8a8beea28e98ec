// SPDX-License-Identifier: MIT
// Poll::native_handle on Windows (issue 13 item 8): the completion port, nested in a
// loop that has its own. A completion port cannot be associated with another one
// (CreateIoCompletionPort refuses a port as the file handle), and its packets are the
// Selector's, so the outer loop must not dequeue them. What it can do, seen here under
// Wine 8 and what NT's queue object does: wait on the port handle, which is signalled
// while packets are queued (the wait consumes none), directly (WaitForSingleObject) or
// through the thread pool (RegisterWaitForSingleObject) posting to its own port.

#include "net_util.hpp"
#include "util.hpp"

#include <pollux/win/poster.hpp>

#include <windows.h>

#include <atomic>
#include <thread>

using namespace std::chrono_literals;
using pollux::Event;
using pollux::Events;
using pollux::Interest;
using pollux::Token;

namespace {

HANDLE port_of(const pollux::Poll& poll) {
  std::error_code ec;
  const pollux::NativeHandle h = poll.native_handle(ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  REQUIRE(h != pollux::kInvalidHandle);
  return reinterpret_cast<HANDLE>(h);
}

struct OuterPort {
  HANDLE port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1);
  ~OuterPort() { CloseHandle(port); }
};

constexpr ULONG_PTR kInnerReady = 77;

// The thread-pool callback of a registered wait: tells the outer port that the inner
// one has packets. The context is the outer port.
void CALLBACK on_inner_signalled(void* outer, BOOLEAN) {
  PostQueuedCompletionStatus(static_cast<HANDLE>(outer), 0, kInnerReady, nullptr);
}

// The outer loop's wait on its own port; true when the inner port was signalled. The
// timeout only guards against a hang.
bool outer_wait(HANDLE outer, DWORD timeout_ms) {
  DWORD bytes = 0;
  ULONG_PTR key = 0;
  OVERLAPPED* ov = nullptr;
  return GetQueuedCompletionStatus(outer, &bytes, &key, &ov, timeout_ms) && key == kInnerReady;
}

}  // namespace

TEST_CASE("native_handle: the completion port, signalled while it holds packets") {
  auto poll = test::init_with_poll();
  Events events(16);
  HANDLE port = port_of(poll);
  CHECK(port == port_of(poll));
  // Nothing queued: not signalled.
  CHECK(WaitForSingleObject(port, 0) == WAIT_TIMEOUT);

  std::error_code ec;
  pollux::Waker waker(poll.registry(), Token(9), ec);
  REQUIRE_FALSE(ec);
  std::thread other([&] { (void)waker.wake(); });
  CHECK(WaitForSingleObject(port, 10000) == WAIT_OBJECT_0);
  other.join();
  // The wait took nothing: the Poll still reports the wake.
  test::expect_events(poll, events, {{Token(9), 0}});
  CHECK(WaitForSingleObject(port, 0) == WAIT_TIMEOUT);
}

TEST_CASE("native_handle: a completion port cannot be associated with another port") {
  auto poll = test::init_with_poll();
  OuterPort outer;
  REQUIRE(outer.port != nullptr);
  // Windows answers ERROR_INVALID_PARAMETER, Wine ERROR_INVALID_HANDLE: refused either way.
  CHECK(CreateIoCompletionPort(port_of(poll), outer.port, 5, 0) == nullptr);
}

TEST_CASE("native_handle: a Poll nested in a raw completion port through a registered wait") {
  auto poll = test::init_with_poll();
  Events events(16);
  OuterPort outer;
  REQUIRE(outer.port != nullptr);

  pollux::win::Poster poster;
  REQUIRE_FALSE(poll.registry().add(poster, Token(3), Interest::readable));
  std::error_code ec;
  auto listener = pollux::net::TcpListener::bind(test::loopback_v4(), ec);
  REQUIRE_FALSE(ec);
  const auto addr = listener.local_addr(ec);
  REQUIRE_FALSE(ec);
  REQUIRE_FALSE(poll.registry().add(listener, Token(4), Interest::readable));

  // Two rounds of the outer loop: prepare (a zero-timeout poll, which applies queued
  // socket registrations), arm a one-shot wait on the inner port, wait on the outer port,
  // then dispatch with another zero-timeout poll.
  for (int round = 0; round < 2; ++round) {
    CAPTURE(round);
    REQUIRE_FALSE(poll.poll(events, 0ms));
    HANDLE wait = nullptr;
    REQUIRE(RegisterWaitForSingleObject(&wait, port_of(poll), &on_inner_signalled, outer.port,
                                        INFINITE, WT_EXECUTEONLYONCE));
    pollux::net::TcpStream client;
    std::thread other([&] {
      if (round == 0) {
        (void)poster.post(42);
      } else {
        std::error_code cec;
        client = pollux::net::TcpStream::connect(addr, cec);
      }
    });
    CHECK(outer_wait(outer.port, 10000));
    other.join();
    UnregisterWaitEx(wait, INVALID_HANDLE_VALUE);
    const Token expected = round == 0 ? Token(3) : Token(4);
    test::expect_events(poll, events, {{expected, 0}});
    if (round == 1) {
      auto conn = listener.accept(ec);
      CHECK_FALSE(ec);
    }
  }
  REQUIRE_FALSE(poll.registry().remove(listener));
  REQUIRE_FALSE(poll.registry().remove(poster));
}
