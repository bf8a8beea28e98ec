// SPDX-License-Identifier: MIT
// win::Binding: how completions are dispatched. Handlers run outside the Selector's
// lock, so they may use every other source of their Poll; each packet finds its own
// Overlapped; removal cancels and drops any number of pending operations.

#include "net_util.hpp"
#include "win_binding_util.hpp"

#include <pollux/net/tcp_listener.hpp>

#include <windows.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using namespace test::binding;
using pollux::Event;
using pollux::Events;
using pollux::Interest;
using pollux::Token;
using pollux::win::Binding;
using pollux::win::Overlapped;
using pollux::win::Submitted;

namespace {

// Runs `body` on a thread and waits for it with a generous limit. A deadlock must fail
// the suite, not hang it until meson's timeout: past the limit the process exits at once
// (the stuck thread cannot be joined, and doctest cannot report from here). The thread
// lives on until this object goes: I/O it started (from a Handler) would be cancelled
// with it.
class Guarded {
 public:
  template <class Body>
  Guarded(const char* what, Body body)
      : thread_([this, body] {
          body();
          std::unique_lock lock(mutex_);
          done_ = true;
          cv_.notify_all();
          cv_.wait(lock, [this] { return released_; });
        }) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, 20s, [this] { return done_; })) {
      std::fprintf(stderr, "FATAL: %s did not return within 20 s (deadlock?)\n", what);
      std::fflush(stderr);
      std::_Exit(3);
    }
  }
  Guarded(const Guarded&) = delete;
  Guarded& operator=(const Guarded&) = delete;
  ~Guarded() {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  bool released_ = false;
  std::thread thread_;
};

// What the Handler below does to the other sources of its Poll; results are checked on
// the main thread.
struct Reentry {
  const pollux::Registry* registry = nullptr;
  pollux::net::TcpListener* listener = nullptr;
  Binding* other = nullptr;
  Overlapped* other_ov = nullptr;
  char* other_buffer = nullptr;
  Binding* third = nullptr;
  std::error_code add, modify, remove, bind, rebind, unbind, submit;
  Submitted submitted = Submitted::failed;
  bool ran = false;
};

std::uint32_t reenter(Overlapped&, std::uint32_t, std::uint32_t, void* context) noexcept {
  auto& r = *static_cast<Reentry*>(context);
  r.ran = true;
  r.add = r.registry->add(*r.listener, Token(50), Interest::readable);
  r.modify = r.registry->modify(*r.listener, Token(51), Interest::readable);
  r.remove = r.registry->remove(*r.listener);
  r.bind = r.registry->add(*r.third, Token(60), Interest::readable);
  r.rebind = r.registry->modify(*r.third, Token(61), Interest::readable);
  r.unbind = r.registry->remove(*r.third);
  r.submitted = r.other->submit(*r.other_ov, read_into(r.other_buffer, 16), r.submit);
  return Event::kCompletion;
}

}  // namespace

TEST_CASE("a Handler may add, modify and remove other sources of its Poll, and submit on another") {
  auto poll = test::init_with_poll();
  Events events(16);
  PipePair first, second, third;
  Binding binding(first.server.h);
  Binding other(second.server.h);
  Binding extra(third.server.h);
  add(poll, binding, Token(1));
  add(poll, other, Token(2));
  std::error_code ec;
  auto listener = pollux::net::TcpListener::bind(test::loopback_v4(), ec);
  REQUIRE(!ec);
  Overlapped other_ov;
  char other_buffer[16] = {};
  Reentry r;
  r.registry = &poll.registry();
  r.listener = &listener;
  r.other = &other;
  r.other_ov = &other_ov;
  r.other_buffer = other_buffer;
  r.third = &extra;
  Overlapped ov(reenter, &r);
  char buffer[16];
  REQUIRE(binding.submit(ov, read_into(buffer, 16), ec) == Submitted::pending);
  first.write_from_client("go");
  bool reported = false;
  Guarded guarded("a poll whose Handler uses other sources", [&] {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!reported && std::chrono::steady_clock::now() < deadline) {
      if (poll.poll(events, 100ms)) break;
      for (const auto& e : events) {
        if (e.token() == Token(1) && pollux::win::overlapped_of(e) == &ov) reported = true;
      }
    }
  });
  REQUIRE(r.ran);
  CHECK(reported);
  CHECK_MESSAGE(!r.add, r.add.message());
  CHECK_MESSAGE(!r.modify, r.modify.message());
  CHECK_MESSAGE(!r.remove, r.remove.message());
  CHECK_MESSAGE(!r.bind, r.bind.message());
  CHECK_MESSAGE(!r.rebind, r.rebind.message());
  CHECK_MESSAGE(!r.unbind, r.unbind.message());
  REQUIRE_MESSAGE(r.submitted == Submitted::pending, r.submit.message());
  // The read the Handler started completes like any other.
  second.write_from_client("next");
  auto e = wait_completion(poll, events, Token(2));
  CHECK(pollux::win::overlapped_of(e) == &other_ov);
  CHECK_MESSAGE(!pollux::win::status_of(e), pollux::win::status_of(e).message());
  CHECK(e.bytes_transferred() == 4);
  // The listener was removed inside the Handler: it is registrable again.
  CHECK(!poll.registry().add(listener, Token(52), Interest::readable));
}

namespace {

// A Handler that removes another Binding whose completion waits in the same batch, and
// frees that Binding's Overlapped: the batch must drop the packet without touching it.
struct Remover {
  const pollux::Registry* registry = nullptr;
  std::unique_ptr<Binding> victim;
  std::unique_ptr<Overlapped> victim_ov;
  std::error_code removed;
};

std::uint32_t remove_victim(Overlapped&, std::uint32_t, std::uint32_t, void* context) noexcept {
  auto& r = *static_cast<Remover*>(context);
  if (!r.victim) return 0;
  r.removed = r.registry->remove(*r.victim);
  r.victim.reset();
  std::memset(static_cast<void*>(r.victim_ov.get()), 0xEE, sizeof(Overlapped));
  r.victim_ov.reset();
  return Event::kCompletion;
}

}  // namespace

TEST_CASE("a Handler removes a Binding whose completion is in the same batch: it is dropped") {
  auto poll = test::init_with_poll();
  Events events(16);
  PipePair first, second;
  Binding binding(first.server.h);
  add(poll, binding, Token(1));
  Remover r;
  r.registry = &poll.registry();
  r.victim = std::make_unique<Binding>(second.server.h);
  add(poll, *r.victim, Token(2));
  r.victim_ov = std::make_unique<Overlapped>();
  Overlapped ov(remove_victim, &r);
  char buffer[16], victim_buffer[16];
  std::error_code ec;
  REQUIRE(binding.submit(ov, read_into(buffer, 16), ec) == Submitted::pending);
  REQUIRE(r.victim->submit(*r.victim_ov, read_into(victim_buffer, 16), ec) == Submitted::pending);
  // Both complete before the poll: one wait dequeues both packets, ours first.
  first.write_from_client("a");
  second.write_from_client("b");
  std::size_t victims = 0;
  bool reported = false;
  Guarded guarded("a poll whose Handler removes another Binding", [&] {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!reported && std::chrono::steady_clock::now() < deadline) {
      if (poll.poll(events, 100ms)) break;
      for (const auto& e : events) {
        if (e.token() == Token(2)) ++victims;
        if (e.token() == Token(1)) reported = true;
      }
    }
  });
  CHECK(reported);
  CHECK(!r.removed);
  test::expect_no_events(poll, events, 50ms);
  CHECK(victims == 0);
}

TEST_CASE("remove with many pending operations cancels all of them and drops their completions") {
  auto poll = test::init_with_poll();
  Events events(64);
  PipePair pipe;
  auto binding = std::make_unique<Binding>(pipe.server.h);
  add(poll, *binding, Token(3));
  constexpr int kOps = 200;
  std::vector<std::unique_ptr<Overlapped>> ovs;
  std::vector<std::unique_ptr<std::array<char, 8>>> buffers;
  std::error_code ec;
  for (int i = 0; i < kOps; ++i) {
    ovs.push_back(std::make_unique<Overlapped>());
    buffers.push_back(std::make_unique<std::array<char, 8>>());
    REQUIRE(binding->submit(*ovs.back(), read_into(buffers.back()->data(), 8), ec) == Submitted::pending);
  }
  // Some complete before the remove: their packets wait in the port, unpolled.
  pipe.write_from_client("0123456789abcdef0123456789abcdef");
  Guarded guarded("remove with 200 pending reads", [&] { ec = poll.registry().remove(*binding); });
  REQUIRE(!ec);
  // Everything is ours again.
  for (auto& ov : ovs) std::memset(static_cast<void*>(ov.get()), 0xAB, sizeof(Overlapped));
  ovs.clear();
  buffers.clear();
  pipe.write_from_client("nobody reads this");
  test::expect_no_events(poll, events, 100ms);
  binding.reset();
  test::expect_no_events(poll, events, 20ms);
}

namespace {

struct Seen {
  Overlapped* expected = nullptr;
  int calls = 0;
  bool mismatch = false;
};

std::uint32_t note(Overlapped& overlapped, std::uint32_t, std::uint32_t, void* context) noexcept {
  auto& seen = *static_cast<Seen*>(context);
  ++seen.calls;
  if (&overlapped != seen.expected) seen.mismatch = true;
  return Event::kCompletion;
}

}  // namespace

TEST_CASE("many Bindings with interleaved operations: every completion reaches its own Overlapped") {
  auto poll = test::init_with_poll();
  Events events(7);
  constexpr int kPipes = 12;
  constexpr int kReads = 6;
  std::vector<std::unique_ptr<PipePair>> pipes;
  std::vector<std::unique_ptr<Binding>> bindings;
  struct Op {
    std::unique_ptr<Overlapped> ov;
    std::array<char, 1> buffer{};
    Seen seen;
    bool handler = false;
    int pipe = 0;
    int completions = 0;
  };
  std::vector<std::unique_ptr<Op>> ops;
  std::error_code ec;
  for (int p = 0; p < kPipes; ++p) {
    pipes.push_back(std::make_unique<PipePair>());
    bindings.push_back(std::make_unique<Binding>(pipes.back()->server.h));
    add(poll, *bindings.back(), Token(1000 + p));
  }
  // Reads are issued round-robin across the pipes, every other one with a Handler.
  for (int k = 0; k < kReads; ++k) {
    for (int p = 0; p < kPipes; ++p) {
      auto op = std::make_unique<Op>();
      op->pipe = p;
      op->handler = k % 2 == 0;
      op->ov = op->handler ? std::make_unique<Overlapped>(note, &op->seen) : std::make_unique<Overlapped>();
      op->seen.expected = op->ov.get();
      REQUIRE(bindings[p]->submit(*op->ov, read_into(op->buffer.data(), 1), ec) == Submitted::pending);
      ops.push_back(std::move(op));
    }
  }
  // One byte at a time, pipes in a scrambled order: each completes one read.
  for (int k = 0; k < kReads; ++k) {
    for (int i = 0; i < kPipes; ++i) pipes[(i * 5 + k) % kPipes]->write_from_client("x");
  }
  int total = 0;
  int wrong_token = 0;
  int unknown = 0;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (total < kPipes * kReads && std::chrono::steady_clock::now() < deadline) {
    REQUIRE(!poll.poll(events, 100ms));
    for (const auto& e : events) {
      if (!e.is_completion()) continue;
      auto* ov = pollux::win::overlapped_of(e);
      Op* found = nullptr;
      for (auto& op : ops) {
        if (op->ov.get() == ov) found = op.get();
      }
      if (found == nullptr) {
        ++unknown;
        continue;
      }
      if (e.token() != Token(1000 + found->pipe)) ++wrong_token;
      if (e.bytes_transferred() != 1 || found->buffer[0] != 'x') ++wrong_token;
      ++found->completions;
      ++total;
    }
  }
  CHECK(total == kPipes * kReads);
  CHECK(unknown == 0);
  CHECK(wrong_token == 0);
  for (auto& op : ops) {
    CHECK(op->completions == 1);
    CHECK(op->seen.calls == (op->handler ? 1 : 0));
    CHECK(!op->seen.mismatch);
  }
  test::expect_no_events(poll, events, 20ms);
}

namespace {

// A Handler that lingers, so that a remove from another thread meets it mid-dispatch.
struct Slow {
  std::atomic<bool> entered{false};
  std::atomic<bool> finished{false};
  std::atomic<int> context_writes{0};
};

std::uint32_t dawdle(Overlapped&, std::uint32_t, std::uint32_t, void* context) noexcept {
  auto& slow = *static_cast<Slow*>(context);
  slow.entered = true;
  std::this_thread::sleep_for(100ms);
  ++slow.context_writes;
  slow.finished = true;
  return Event::kCompletion;
}

}  // namespace

TEST_CASE("remove from another thread waits for a Handler in progress; nothing runs after it") {
  auto poll = test::init_with_poll();
  PipePair pipe;
  auto binding = std::make_unique<Binding>(pipe.server.h);
  add(poll, *binding, Token(4));
  auto slow = std::make_unique<Slow>();
  auto ov = std::make_unique<Overlapped>(dawdle, slow.get());
  char buffer[8];
  std::error_code ec;
  REQUIRE(binding->submit(*ov, read_into(buffer, 8), ec) == Submitted::pending);
  pipe.write_from_client("z");
  std::atomic<bool> stop{false};
  std::thread poller([&] {
    Events events(8);
    while (!stop) (void)poll.poll(events, 20ms);
  });
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!slow->entered && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  REQUIRE(slow->entered);
  REQUIRE(!poll.registry().remove(*binding));
  const bool finished_at_return = slow->finished;
  // The rule in overlapped.hpp: after remove, the Overlapped and its context are ours.
  binding.reset();
  ov.reset();
  const int writes = slow->context_writes;
  std::this_thread::sleep_for(50ms);
  const int writes_later = slow->context_writes;
  slow.reset();
  stop = true;
  poller.join();
  CHECK(finished_at_return);
  CHECK(writes == 1);
  CHECK(writes_later == 1);
}

TEST_CASE("a completion of an operation started behind the Binding's back is dropped unread") {
  auto poll = test::init_with_poll();
  Events events(8);
  PipePair pipe;
  Binding binding(pipe.server.h);
  add(poll, binding, Token(5));
  // Not through submit: the packet comes under the Binding's key, naming an OVERLAPPED
  // the Binding never saw (and which is gone by the time poll dequeues it).
  {
    OVERLAPPED raw{};
    raw.hEvent = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    char buffer[8];
    DWORD n = 0;
    if (!ReadFile(pipe.server.h, buffer, sizeof buffer, nullptr, &raw)) {
      REQUIRE(GetLastError() == ERROR_IO_PENDING);
    }
    pipe.write_from_client("behind");
    REQUIRE(GetOverlappedResult(pipe.server.h, &raw, &n, TRUE));
    CHECK(n == 6);
    CloseHandle(raw.hEvent);
    std::memset(&raw, 0x5A, sizeof raw);
  }
  test::expect_no_events(poll, events, 50ms);
  // The Binding itself still works.
  Overlapped ov;
  char buffer[8];
  std::error_code ec;
  REQUIRE(binding.submit(ov, read_into(buffer, 8), ec) == Submitted::pending);
  pipe.write_from_client("front");
  auto e = wait_completion(poll, events, Token(5));
  CHECK(pollux::win::overlapped_of(e) == &ov);
  CHECK(e.bytes_transferred() == 5);
}

namespace {

// Checked by the Handler: a Handler running after its Binding's remove returned would
// find the canary overwritten.
constexpr std::uint32_t kAlive = 0xA11CE;
std::atomic<int> dead_contexts{0};

struct Canary {
  std::atomic<std::uint32_t> value{kAlive};
  std::atomic<int> calls{0};
};

std::uint32_t check_canary(Overlapped&, std::uint32_t, std::uint32_t, void* context) noexcept {
  auto& canary = *static_cast<Canary*>(context);
  if (canary.value != kAlive) ++dead_contexts;
  ++canary.calls;
  return Event::kCompletion;
}

}  // namespace

TEST_CASE("removes racing Handlers on the polling thread: no Handler runs after its remove") {
  auto poll = test::init_with_poll();
  std::atomic<bool> stop{false};
  std::atomic<int> poll_errors{0};
  std::thread poller([&] {
    Events events(16);
    while (!stop) {
      if (poll.poll(events, 10ms)) ++poll_errors;
    }
  });
  int handled = 0;
  for (int round = 0; round < 40; ++round) {
    PipePair pipe;
    auto binding = std::make_unique<Binding>(pipe.server.h);
    REQUIRE(!poll.registry().add(*binding, Token(200 + round), Interest::readable));
    constexpr int kOps = 4;
    std::array<std::unique_ptr<Canary>, kOps> canaries;
    std::array<std::unique_ptr<Overlapped>, kOps> ovs;
    std::array<std::array<char, 2>, kOps> buffers{};
    std::error_code ec;
    for (int i = 0; i < kOps; ++i) {
      canaries[i] = std::make_unique<Canary>();
      ovs[i] = std::make_unique<Overlapped>(check_canary, canaries[i].get());
      REQUIRE(binding->submit(*ovs[i], read_into(buffers[i].data(), 2), ec) == Submitted::pending);
    }
    // Completions race the remove: some are fed before it, some after (dropped).
    pipe.write_from_client(round % 2 == 0 ? "abcd" : "abcdefgh");
    if (round % 3 == 0) std::this_thread::sleep_for(1ms);
    REQUIRE(!poll.registry().remove(*binding));
    for (int i = 0; i < kOps; ++i) {
      handled += canaries[i]->calls;
      canaries[i]->value = 0;
    }
    binding.reset();
    // Kept for a moment, dead, so that a late Handler would see them so.
    std::this_thread::sleep_for(2ms);
    for (int i = 0; i < kOps; ++i) {
      handled -= canaries[i]->calls;
      ovs[i].reset();
      canaries[i].reset();
    }
  }
  stop = true;
  poller.join();
  CHECK(poll_errors == 0);
  CHECK(dead_contexts == 0);
  // `handled` gained each call seen by its remove, and lost each call seen by the end.
  CHECK(handled == 0);
}
