// SPDX-License-Identifier: MIT
// AsyncFd (issue 13 item 6) over a user's own fds (Unix): a pipe and a socketpair made
// with the system calls, registered through unix::SourceFd, and a pollux socket. The
// same cases run on epoll and on poll(2), where pollux emulates edges: there a raw fd's
// readiness comes back only if try_io re-arms it, which the second round of each test
// needs. Both runtime flavours; drop while waiting and shutdown while waiting.

#include "exec_task_check.hpp"
#include "exec_util.hpp"

#include <pollux/exec/async_fd.hpp>
#include <pollux/exec/runtime.hpp>
#include <pollux/exec/yield_now.hpp>
#include <pollux/net/unix_stream.hpp>
#include <pollux/unix/source_fd.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <thread>

using namespace pollux;
using namespace pollux::exec;
using namespace std::chrono_literals;

namespace {

constexpr Flavor kFlavors[] = {Flavor::current_thread, Flavor::multi_thread};

// Two non-blocking fds that the test owns and closes.
struct FdPair {
  int a = -1;
  int b = -1;
  ~FdPair() {
    if (a >= 0) ::close(a);
    if (b >= 0) ::close(b);
  }
};

FdPair make_pipe() {
  int fds[2];
  REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
  return FdPair{fds[0], fds[1]};
}

FdPair make_socketpair() {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
  return FdPair{fds[0], fds[1]};
}

std::error_code errno_code() { return {errno, std::generic_category()}; }

IoResult<std::size_t> raw_read(int fd, std::span<std::byte> buf) {
  const ssize_t n = ::read(fd, buf.data(), buf.size());
  if (n < 0) return {errno_code(), 0};
  return {{}, static_cast<std::size_t>(n)};
}

IoResult<std::size_t> raw_write(int fd, std::span<const std::byte> buf) {
  const ssize_t n = ::write(fd, buf.data(), buf.size());
  if (n < 0) return {errno_code(), 0};
  return {{}, static_cast<std::size_t>(n)};
}

void write_byte(int fd) {
  const std::byte b{42};
  REQUIRE(::write(fd, &b, 1) == 1);
}

// Reads what is there until would-block, waiting for readiness in between: `want` bytes.
Task<std::size_t> read_bytes(AsyncFd<unix::SourceFd>& fd, std::size_t want) {
  std::size_t got = 0;
  std::array<std::byte, 64> buf;
  while (got < want) {
    auto [ec, guard] = co_await fd.readable();
    if (ec) co_return got;
    for (;;) {
      auto [err, n] = guard.try_io([&](unix::SourceFd& s) { return raw_read(s.fd(), buf); });
      if (is_would_block(err)) break;  // cleared: wait again
      if (err || n == 0) co_return got;
      got += n;
    }
  }
  co_return got;
}

}  // namespace

TEST_CASE("AsyncFd: a user's pipe through SourceFd, readiness cleared by try_io") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    FdPair p = make_pipe();
    // Rounds of: another thread writes, the task reads it all and meets would-block.
    // Where edges are emulated, each round after the first waits for an edge that comes
    // only if try_io re-armed the fd.
    test::returns_or_die("pipe rounds", [&] {
      const std::size_t got = test::run(rt, [](int rd, int wr) -> Task<std::size_t> {
        auto [ec, fd] = AsyncFd<unix::SourceFd>::create(unix::SourceFd(rd), Interest::readable);
        TASK_REQUIRE(!ec);
        std::size_t total = 0;
        for (int round = 0; round < 5; ++round) {
          std::thread writer([wr] {
            std::this_thread::sleep_for(2ms);
            const std::byte b{1};
            (void)::write(wr, &b, 1);
          });
          total += co_await read_bytes(fd, 1);
          writer.join();
        }
        co_return total;
      }(p.a, p.b));
      CHECK(got == 5);
    });
  }
}

TEST_CASE("AsyncFd: writable after the peer drains a full socketpair") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    FdPair p = make_socketpair();
    test::returns_or_die("socketpair writable", [&] {
      const bool ok = test::run(rt, [](int fd_a, int fd_b) -> Task<bool> {
        auto [ec, fd] = AsyncFd<unix::SourceFd>::create(unix::SourceFd(fd_a));
        TASK_REQUIRE(!ec);
        std::array<std::byte, 4096> chunk{};
        for (int round = 0; round < 3; ++round) {
          // Fill until would-block.
          for (;;) {
            auto [err, guard] = co_await fd.writable();
            TASK_REQUIRE(!err);
            TASK_CHECK(guard.ready().is_writable());
            auto r = guard.try_io([&](unix::SourceFd& s) { return raw_write(s.fd(), chunk); });
            if (is_would_block(r.error)) break;
            TASK_REQUIRE(!r.error);
          }
          std::thread drainer([fd_b] {
            std::this_thread::sleep_for(2ms);
            std::array<std::byte, 4096> sink;
            while (::read(fd_b, sink.data(), sink.size()) > 0) {
            }
          });
          auto [err, guard] = co_await fd.writable();
          drainer.join();
          if (err) co_return false;
        }
        co_return true;
      }(p.a, p.b));
      CHECK(ok);
    });
  }
}

TEST_CASE("AsyncFd: a pollux socket, and clear_ready by hand") {
  std::error_code ec;
  auto pair = net::UnixStream::pair(ec);
  REQUIRE_FALSE(ec);
  net::UnixStream& left = pair.first;
  net::UnixStream& right = pair.second;
  Runtime rt = test::make_runtime(Flavor::multi_thread);
  test::returns_or_die("pollux socket", [&] {
    const std::size_t n = test::run(rt, [](net::UnixStream s, net::UnixStream* peer) -> Task<std::size_t> {
      auto [ec, fd] = AsyncFd<net::UnixStream>::create(std::move(s), Interest::readable);
      TASK_REQUIRE(!ec);
      std::error_code wec;
      const std::byte b{7};
      (void)peer->write(std::span<const std::byte>(&b, 1), wec);
      std::array<std::byte, 16> buf;
      std::size_t total = 0;
      for (;;) {
        auto [err, guard] = co_await fd.readable();
        TASK_REQUIRE(!err);
        std::error_code rec;
        const std::size_t got = guard.get_ref().read(buf, rec);
        if (is_would_block(rec)) {
          guard.clear_ready();
          continue;
        }
        total += got;
        if (total == 1) co_return total;
      }
    }(std::move(left), &right));
    CHECK(n == 1);
  });
}

TEST_CASE("AsyncFd: misuse answers error codes") {
  FdPair p = make_pipe();
  // Outside any runtime.
  auto [outside, none] = AsyncFd<unix::SourceFd>::create(unix::SourceFd(p.a));
  CHECK(outside == std::errc::operation_not_permitted);
  CHECK_FALSE(none.is_registered());

  Runtime rt = test::make_runtime(Flavor::current_thread);
  test::run(rt, [](int rd) -> Task<void> {
    auto [empty_ec, e] = AsyncFd<unix::SourceFd>::create(unix::SourceFd(rd), Interest{});
    TASK_CHECK(empty_ec == std::errc::invalid_argument);
    auto [ec, fd] = AsyncFd<unix::SourceFd>::create(unix::SourceFd(rd), Interest::readable);
    TASK_REQUIRE(!ec);
    // Writable was not asked for: waiting for it could never end.
    auto [w, g] = co_await fd.writable();
    TASK_CHECK(w == std::errc::invalid_argument);
    // into_inner deregisters: the same fd can be registered again with the same Poll.
    unix::SourceFd raw = std::move(fd).into_inner();
    TASK_CHECK(raw.fd() == rd);
    TASK_CHECK(!fd.is_registered());
    auto [gone, g2] = co_await fd.readable();
    TASK_CHECK(gone == std::errc::bad_file_descriptor);
    auto [again, fd2] = AsyncFd<unix::SourceFd>::create(raw, Interest::readable);
    TASK_CHECK(!again);
  }(p.a));
}

// A task aborted while it waits unlinks its waiter from the driver's record; the fd
// keeps working for the next waiter (ASan sees any use of the aborted frame).
TEST_CASE("AsyncFd: a wait dropped half-way (task aborted)") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    Runtime rt = test::make_runtime(f);
    FdPair p = make_pipe();
    test::returns_or_die("drop while waiting", [&] {
      const std::size_t got = test::run(rt, [](int rd, int wr) -> Task<std::size_t> {
        auto [ec, fd] = AsyncFd<unix::SourceFd>::create(unix::SourceFd(rd), Interest::readable);
        TASK_REQUIRE(!ec);
        auto waiter = spawn([](AsyncFd<unix::SourceFd>* fd) -> Task<void> {
          auto [err, guard] = co_await fd->readable();
          (void)err;
        }(&fd));
        for (int i = 0; i < 10; ++i) co_await yield_now();
        waiter.abort();
        try {
          (void)co_await std::move(waiter);
        } catch (const std::system_error&) {
        }
        write_byte(wr);
        co_return co_await read_bytes(fd, 1);
      }(p.a, p.b));
      CHECK(got == 1);
    });
  }
}

// Shutdown drops a task that waits on an AsyncFd living outside it; the fd, now of a
// stopped runtime, answers bad_file_descriptor to a wait from another runtime.
TEST_CASE("AsyncFd: runtime shut down while a task waits") {
  for (Flavor f : kFlavors) {
    CAPTURE(test::flavor_name(f));
    FdPair p = make_pipe();
    Runtime rt = test::make_runtime(f);
    auto fd = rt.block_on([](int rd) -> Task<AsyncFd<unix::SourceFd>> {
      auto [ec, fd] = AsyncFd<unix::SourceFd>::create(unix::SourceFd(rd), Interest::readable);
      co_return std::move(fd);
    }(p.a));
    REQUIRE(fd.is_registered());
    JoinHandle<int> waiting = rt.spawn([](AsyncFd<unix::SourceFd>* fd) -> Task<int> {
      auto [err, guard] = co_await fd->readable();
      co_return err ? 1 : 2;
    }(&fd));
    if (f == Flavor::current_thread) {
      // Let it start waiting: current_thread runs tasks only inside block_on.
      rt.block_on([]() -> Task<void> { co_return; }());
    }
    CHECK_FALSE(rt.shutdown());
    CHECK(waiting.is_finished());
    Runtime other = test::make_runtime(Flavor::current_thread);
    test::returns_or_die("wait on a stopped runtime's fd", [&] {
      const std::error_code ec = other.block_on([](AsyncFd<unix::SourceFd>* fd) -> Task<std::error_code> {
        auto [err, guard] = co_await fd->readable();
        co_return err;
      }(&fd));
      CHECK(ec == std::errc::bad_file_descriptor);
    });
  }
}

// The same from another thread while block_on drives the wait (current_thread).
TEST_CASE("AsyncFd: shutdown from another thread ends a block_on that waits") {
  FdPair p = make_pipe();
  Runtime rt = test::make_runtime(Flavor::current_thread);
  std::thread stopper([&] {
    std::this_thread::sleep_for(20ms);
    (void)rt.shutdown();
  });
  std::error_code seen;
  test::returns_or_die("block_on waiting at shutdown", [&] {
    try {
      (void)rt.block_on([](int rd) -> Task<int> {
        auto [ec, fd] = AsyncFd<unix::SourceFd>::create(unix::SourceFd(rd), Interest::readable);
        if (ec) co_return -1;
        auto [err, guard] = co_await fd.readable();
        co_return err ? 1 : 2;
      }(p.a));
    } catch (const std::system_error& e) {
      seen = e.code();
    }
  });
  stopper.join();
  CHECK(seen == std::errc::operation_canceled);
}
