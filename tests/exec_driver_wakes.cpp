// SPDX-License-Identifier: MIT
// When the I/O driver is woken out of its wait (RuntimeStats::driver_wakes): only when a
// thread asleep in it has to come out, never by the thread that is running the turn.

#include "exec_task_check.hpp"
#include "exec_tcp_pair.hpp"
#include "exec_util.hpp"

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/tcp_stream.hpp>
#include <pollux/exec/yield_now.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

using namespace pollux;
using namespace pollux::exec;

namespace {

constexpr Flavor kFlavors[] = {Flavor::current_thread, Flavor::multi_thread};
constexpr int kReaders = 3;

Task<void> read_one_byte(exec::TcpStream* s) {
  std::array<std::byte, 1> buf;
  const auto [ec, n] = co_await s->read(buf);
  TASK_REQUIRE_MESSAGE(!ec, ec.message());
  TASK_REQUIRE(n == 1);
}

// Readers wait on three connections; this task then writes to all three and waits for
// the readers. With one thread, the writes land before it next waits in the driver, so
// one turn finds the three connections readable and wakes the three readers from inside
// the turn: onto the queue of the very thread that runs it, which looks at its queue
// when the turn ends. Returns the driver wake-ups counted meanwhile.
Task<std::uint64_t> wake_three_in_one_turn(Runtime* rt) {
  std::vector<std::pair<exec::TcpStream, exec::TcpStream>> pairs;
  for (int i = 0; i < kReaders; ++i) pairs.push_back(co_await test::exec_tcp_pair());
  std::vector<JoinHandle<void>> readers;
  for (auto& p : pairs) readers.push_back(spawn(read_one_byte(&p.first)));
  // The readers run before this task again, and suspend: nothing has arrived yet.
  co_await yield_now();
  const std::uint64_t before = rt->stats().driver_wakes;
  const std::array<std::byte, 1> byte{std::byte{'x'}};
  for (auto& p : pairs) {
    std::error_code ec;
    const std::size_t n = p.second.get().write(byte, ec);
    TASK_REQUIRE_MESSAGE(!ec, ec.message());
    TASK_REQUIRE(n == 1);
  }
  for (auto& h : readers) (co_await std::move(h)).value_or_throw();
  co_return rt->stats().driver_wakes - before;
}

}  // namespace

TEST_CASE("tasks woken inside the driver's turn do not wake the driver again") {
  // The multi-thread runtime once picked the worker running the turn as the sleeper to
  // notify (it is on the idle list while it drives), and wrote to the driver's waker:
  // a system call, and a next poll that returned at once with nothing.
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    auto rt = test::make_runtime(f, 1);
    CHECK(rt.block_on(wake_three_in_one_turn(&rt)) == 0);
  }
}
