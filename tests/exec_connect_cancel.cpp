// SPDX-License-Identifier: MIT
// A TCP connect aborted while it is pending: the socket is deregistered and closed with
// the aborted task's frame, and nothing is left behind. A connect stays pending only
// against a listener whose accept queue is full (listen backlog 0 holds one connection
// on Linux, which drops the next SYNs and retries them a second or more later). Wine
// uses the host's TCP stack, so the same holds under Wine; a Windows stack that queues
// beyond the backlog leaves nothing pending to cancel, and the test says so.

#include "exec_task_check.hpp"
#include "exec_util.hpp"
#include "net_util.hpp"

#include <pollux/exec/runtime.hpp>
#include <pollux/exec/tcp_stream.hpp>
#include <pollux/exec/timeout.hpp>

#if defined(_WIN32)
#include <winsock2.h>
#else
#include <sys/socket.h>
#endif

#include <vector>

using namespace pollux;
using namespace pollux::exec;
using namespace std::chrono_literals;

TEST_CASE("cancel: abort during a pending TCP connect closes the socket; nothing is left") {
  test::each_flavor([]() -> Task<void> {
    std::error_code ec;
    auto listener = net::TcpListener::bind(test::loopback_v4(), ec);
    TASK_REQUIRE(!ec);
    const auto addr = listener.local_addr(ec);
    TASK_REQUIRE(!ec);
    TASK_REQUIRE(::listen(listener.native_handle(), 0) == 0);
    constexpr std::size_t kTries = 16;
    std::vector<exec::TcpStream> queued;
    bool pending = false;
    while (queued.size() < kTries) {
      auto r = co_await timeout(exec::TcpStream::connect(addr), 1s);
      if (!r) {  // this one stayed pending: the queue is full
        pending = true;
        break;
      }
      TASK_REQUIRE_MESSAGE(!r.value().error, r.value().error.message());
      queued.push_back(std::move(r.value().value));
    }
    if (!pending) {
      MESSAGE("every connect completed: this TCP stack queues beyond the backlog");
      co_return;
    }
    auto connecting = spawn([](net::SocketAddr to, test::Tracker) -> Task<void> {
      (void)co_await exec::TcpStream::connect(to);
    }(addr, test::Tracker{}));
    // Its frame gone, the stream in it is gone: deregistered, then closed.
    co_await test::abort_while_waiting(connecting);
  });
}
