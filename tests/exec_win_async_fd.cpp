// SPDX-License-Identifier: MIT
// AsyncFd<win::Binding> (issue 13 item 6), under Wine: a pipe HANDLE of the test's own,
// bound to the runtime's completion port, whose reads complete through an Overlapped
// Handler that reports readiness. The task waits with co_await fd.readable(), takes the
// result with try_io, and meets would-block (clearing the readiness) between reads.

#include "exec_task_check.hpp"
#include "exec_util.hpp"

#include <pollux/event.hpp>
#include <pollux/exec/async_fd.hpp>
#include <pollux/exec/runtime.hpp>
#include <pollux/exec/yield_now.hpp>
#include <pollux/win/binding.hpp>
#include <pollux/win/overlapped.hpp>

#include <windows.h>

#include <array>
#include <atomic>
#include <string>
#include <thread>

using namespace pollux;
using namespace pollux::exec;
using namespace std::chrono_literals;

namespace {

constexpr Flavor kFlavors[] = {Flavor::current_thread, Flavor::multi_thread};

std::wstring pipe_name() {
  static std::atomic<int> counter{0};
  return L"\\\\.\\pipe\\pollux-exec-async-fd-" + std::to_wstring(GetCurrentProcessId()) + L"-" +
         std::to_wstring(++counter);
}

struct Handles {
  HANDLE server = INVALID_HANDLE_VALUE;  // overlapped: bound to the runtime
  HANDLE client = INVALID_HANDLE_VALUE;  // synchronous: the test writes with it
  Handles() {
    const std::wstring name = pipe_name();
    server = CreateNamedPipeW(name.c_str(), PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED,
                              PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT, 1, 4096, 4096, 0, nullptr);
    REQUIRE(server != INVALID_HANDLE_VALUE);
    client = CreateFileW(name.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING, 0, nullptr);
    REQUIRE(client != INVALID_HANDLE_VALUE);
  }
  ~Handles() {
    CloseHandle(client);
    CloseHandle(server);
  }
};

// One read in flight; its Handler runs on the runtime's polling thread and reports the
// completion as readable.
struct Reader {
  std::array<char, 64> buffer{};
  std::atomic<bool> done{false};
  std::atomic<std::uint32_t> bytes{0};
  pollux::win::Overlapped ov{&on_read, this};

  static std::uint32_t on_read(pollux::win::Overlapped&, std::uint32_t n, std::uint32_t status,
                               void* context) noexcept {
    auto* self = static_cast<Reader*>(context);
    self->bytes.store(status == 0 ? n : 0, std::memory_order_relaxed);
    self->done.store(true, std::memory_order_release);
    return Event::kReadable;
  }

  bool start(pollux::win::Binding& binding) {
    done.store(false);
    std::error_code ec;
    auto r = binding.submit(ov, [this](void* h, _OVERLAPPED* o) {
      return ReadFile(h, buffer.data(), static_cast<DWORD>(buffer.size()), nullptr,
                      reinterpret_cast<OVERLAPPED*>(o));
    }, ec);
    return r == pollux::win::Submitted::pending;
  }

  // try_io's operation: the read's result once its completion came, else would-block.
  IoResult<std::string> take() {
    if (!done.load(std::memory_order_acquire)) {
      return {std::make_error_code(std::errc::operation_would_block), {}};
    }
    return {{}, std::string(buffer.data(), bytes.load(std::memory_order_relaxed))};
  }
};

Task<std::string> read_rounds(HANDLE server, HANDLE client, int rounds) {
  Reader reader;  // declared first: outlives the AsyncFd, whose removal cancels the read
  auto [ec, fd] = AsyncFd<pollux::win::Binding>::create(pollux::win::Binding(server),
                                                        Interest::readable);
  TASK_REQUIRE(!ec);
  std::string got;
  for (int round = 0; round < rounds; ++round) {
    TASK_REQUIRE(reader.start(fd.get_ref()));
    // Nothing written yet: the first look meets would-block and clears the readiness.
    std::thread writer([client, round] {
      std::this_thread::sleep_for(5ms);
      const char c = static_cast<char>('a' + round);
      DWORD written = 0;
      WriteFile(client, &c, 1, &written, nullptr);
    });
    for (;;) {
      auto [err, guard] = co_await fd.readable();
      TASK_REQUIRE(!err);
      auto [e, text] = guard.try_io([&](pollux::win::Binding&) { return reader.take(); });
      if (is_would_block(e)) continue;
      got += text;
      break;
    }
    writer.join();
  }
  co_return got;
}

// Waits for a read that nothing will complete, until the runtime drops it.
Task<void> wait_forever(HANDLE server) {
  Reader reader;
  auto [ec, fd] = AsyncFd<pollux::win::Binding>::create(pollux::win::Binding(server),
                                                        Interest::readable);
  if (ec || !reader.start(fd.get_ref())) co_return;
  for (;;) {
    auto [err, guard] = co_await fd.readable();
    if (err) co_return;
    (void)guard.try_io([&](pollux::win::Binding&) { return reader.take(); });
  }
}

}  // namespace

TEST_CASE("AsyncFd<Binding>: reads completing through a Handler, awaited as readiness") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    Handles h;
    test::returns_or_die("binding rounds", [&] {
      CHECK(test::run(rt, read_rounds(h.server, h.client, 3)) == "abc");
    });
  }
}

TEST_CASE("AsyncFd<Binding>: the runtime shut down while a task waits") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    Handles h;
    Runtime rt = test::make_runtime(f);
    JoinHandle<void> waiting = rt.spawn(wait_forever(h.server));
    // Let it start waiting (current_thread runs tasks only inside block_on).
    rt.block_on([]() -> Task<void> {
      for (int i = 0; i < 10; ++i) co_await yield_now();
    }());
    test::returns_or_die("shutdown", [&] { CHECK_FALSE(rt.shutdown()); });
    CHECK(waiting.is_finished());
  }
}
