// SPDX-License-Identifier: MIT
// exec::UnixListener and exec::UnixStream (Unix only): accept/connect by path, a
// socketpair, a pending read cancelled by a timeout. A pending TCP connect aborted:
// tests/exec_connect_cancel.cpp.

#include "exec_task_check.hpp"
#include "exec_util.hpp"
#include "net_util.hpp"

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/timeout.hpp>
#include <pollux/exec/unix_listener.hpp>
#include <pollux/exec/unix_stream.hpp>

#include <unistd.h>

#include <array>
#include <string>

using namespace pollux;
using namespace pollux::exec;
using namespace std::chrono_literals;

namespace {

constexpr Flavor kFlavors[] = {Flavor::current_thread, Flavor::multi_thread};

std::string temp_path() {
  return "/tmp/pollux-exec-unix-" + std::to_string(::getpid()) + ".sock";
}

}  // namespace

TEST_CASE("unix listener and stream: connect by path, echo, EOF") {
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    const std::string path = temp_path();
    ::unlink(path.c_str());
    test::run(rt, [](std::string path) -> Task<void> {
      std::error_code ec;
      auto addr = net::SocketAddr::unix_path(path, ec);
      TASK_REQUIRE_MESSAGE(!ec, ec.message());
      auto listener = exec::UnixListener::bind(addr, ec);
      TASK_REQUIRE_MESSAGE(!ec, ec.message());
      auto server = spawn([](exec::UnixListener* l) -> Task<int> {
        auto [ec, s] = co_await l->accept();
        if (ec) co_return -1;
        std::array<std::byte, 256> buf;
        int bytes = 0;
        for (;;) {
          const auto [rec, n] = co_await s.read(buf);
          if (rec) co_return -2;
          if (n == 0) co_return bytes;
          bytes += static_cast<int>(n);
          if (co_await s.write_all(std::span<const std::byte>(buf.data(), n))) co_return -3;
        }
      }(&listener));
      auto [cec, c] = co_await exec::UnixStream::connect(addr);
      TASK_REQUIRE_MESSAGE(!cec, cec.message());
      for (int i = 0; i < 100; ++i) {
        const std::string msg = "message " + std::to_string(i);
        TASK_REQUIRE(!co_await c.write_all(test::bytes(msg)));
        std::string back(msg.size(), '\0');
        auto span = std::as_writable_bytes(std::span<char>(back.data(), back.size()));
        TASK_CHECK((co_await c.read_exact(span)).value == msg.size());
        TASK_CHECK(back == msg);
      }
      TASK_REQUIRE(!c.shutdown(net::Shutdown::write));
      TASK_CHECK((co_await std::move(server)).value_or_throw() > 0);
    }(path));
    ::unlink(path.c_str());
  }
}

TEST_CASE("unix stream pair: a read cancelled by timeout leaves the data for the next") {
  for (Flavor f : kFlavors) {
    const std::string flavor = test::flavor_name(f);
    CAPTURE(flavor);
    Runtime rt = test::make_runtime(f);
    test::run(rt, []() -> Task<void> {
      std::error_code ec;
      auto [a, b] = exec::UnixStream::pair(ec);
      TASK_REQUIRE_MESSAGE(!ec, ec.message());
      std::array<std::byte, 16> buf;
      auto r = co_await timeout(b.read(buf), 20ms);
      TASK_CHECK(r.error() == std::errc::timed_out);
      TASK_REQUIRE(!co_await a.write_all(test::bytes("late")));
      TASK_CHECK((co_await b.read(buf)).value == 4);
      TASK_CHECK(test::text(std::span<const std::byte>(buf.data(), 4)) == "late");
    }());
  }
}
