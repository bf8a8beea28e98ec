// SPDX-License-Identifier: MIT
// ScheduledIo on its own (lib/exec/scheduled_io.*), the I/O driver's per-source record:
// a readiness change wakes exactly the waiters whose interest it meets, and a clear
// after would-block forgets only the readiness that was acted on, never an edge the
// driver reported since (a newer tick).

#include <doctest/doctest.h>

#include "../lib/exec/scheduled_io.hpp"

using namespace pollux::exec::detail;

namespace {

// A Waker that counts its wakes in an int.
void count_wake(void* data) noexcept { ++*static_cast<int*>(data); }
void count_drop(void*) noexcept {}
void* count_clone(void* data) noexcept { return data; }
constexpr WakerVtable kCounting{&count_wake, &count_drop, &count_clone};

Waker counting(int& n) { return Waker{&n, &kCounting}; }

}  // namespace

TEST_CASE("scheduled io: readiness wakes exactly the waiters it satisfies") {
  ScheduledIo io;
  int reads = 0, writes = 0, both = 0;
  IoWaiter r, w, rw;
  r.interest = ready::kForRead;
  w.interest = ready::kForWrite;
  rw.interest = ready::kForRead | ready::kForWrite;
  r.waker = counting(reads);
  w.waker = counting(writes);
  rw.waker = counting(both);
  REQUIRE(io.link_waiter(r));
  REQUIRE(io.link_waiter(w));
  REQUIRE(io.link_waiter(rw));

  io.set_readiness(1, ready::kWritable);
  CHECK(reads == 0);
  CHECK(writes == 1);
  CHECK(both == 1);
  CHECK(!w.linked);
  CHECK(r.linked);

  io.set_readiness(2, ready::kReadable);
  CHECK(reads == 1);
  CHECK(writes == 1);  // not linked any more: woken once per wait
  CHECK(both == 1);

  // Linking while the readiness already meets the interest links nothing.
  IoWaiter late;
  late.interest = ready::kForRead;
  CHECK(!io.link_waiter(late));
  CHECK(!late.linked);
}

TEST_CASE("scheduled io: a clear with a stale tick keeps the newer edge") {
  ScheduledIo io;
  io.set_readiness(1, ready::kReadable);
  const ReadyEvent seen = io.ready_event(ready::kForRead);
  CHECK(seen.ready == ready::kReadable);
  CHECK(seen.tick == 1);
  // The driver reports another edge before the task's would-block clear arrives.
  io.set_readiness(2, ready::kReadable);
  io.clear_readiness(seen);
  CHECK(io.ready_event(ready::kForRead).ready == ready::kReadable);
  // A clear of what is current forgets it.
  io.clear_readiness(io.ready_event(ready::kForRead));
  CHECK(io.ready_event(ready::kForRead).ready == 0);
  // Clearing one direction leaves the other.
  io.set_readiness(3, ready::kReadable | ready::kWritable);
  io.clear_readiness(io.ready_event(ready::kForRead));
  CHECK(io.ready_event(ready::kForRead).ready == 0);
  CHECK(io.ready_event(ready::kForWrite).ready == ready::kWritable);
}

TEST_CASE("scheduled io: closed directions and shutdown are never cleared") {
  ScheduledIo io;
  io.set_readiness(1, ready::kReadable | ready::kReadClosed);
  io.clear_readiness(io.ready_event(ready::kForRead));
  CHECK(io.ready_event(ready::kForRead).ready == ready::kReadClosed);

  int n = 0;
  IoWaiter w;
  w.interest = ready::kForWrite;
  w.waker = counting(n);
  REQUIRE(io.link_waiter(w));
  io.shutdown();
  CHECK(n == 1);
  io.clear_readiness(io.ready_event(ready::kForWrite));
  CHECK((io.ready_event(ready::kForWrite).ready & ready::kShutdown) != 0);
}

TEST_CASE("scheduled io: an unlinked waiter is never woken") {
  ScheduledIo io;
  int n = 0;
  IoWaiter w;
  w.interest = ready::kForRead;
  w.waker = counting(n);
  REQUIRE(io.link_waiter(w));
  io.unlink_waiter(w);
  io.unlink_waiter(w);  // twice is harmless
  io.set_readiness(1, ready::kReadable);
  CHECK(n == 0);
}

TEST_CASE("scheduled io: waiters linked again after the list emptied are still woken") {
  // The driver looks at the waiter list only when the readiness word says one is
  // linked: the mark must come back with every link after the list emptied.
  ScheduledIo io;
  int n = 0;
  for (std::uint32_t tick = 1; tick <= 6; tick += 2) {
    IoWaiter w;
    w.interest = ready::kForRead;
    w.waker = counting(n);
    REQUIRE(io.link_waiter(w));
    io.set_readiness(tick, ready::kWritable);  // not what it waits for
    CHECK(w.linked);
    io.set_readiness(tick + 1, ready::kReadable);
    CHECK(!w.linked);
    io.clear_readiness(io.ready_event(ready::kForRead));
  }
  CHECK(n == 3);
  // A waiter that left by itself leaves no mark that would keep it from being woken
  // the next time either.
  IoWaiter gone;
  gone.interest = ready::kForRead;
  gone.waker = counting(n);
  REQUIRE(io.link_waiter(gone));
  io.unlink_waiter(gone);
  IoWaiter w;
  w.interest = ready::kForRead;
  w.waker = counting(n);
  REQUIRE(io.link_waiter(w));
  io.set_readiness(9, ready::kReadable);
  CHECK(n == 4);
}
