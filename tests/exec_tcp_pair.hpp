// SPDX-License-Identifier: MIT
#pragma once
// Two connected exec::TcpStreams over loopback, made inside a task.

#include <utility>

#include <pollux/exec/tcp_listener.hpp>
#include <pollux/exec/tcp_stream.hpp>

#include "exec_task_check.hpp"
#include "net_util.hpp"

namespace test {

inline pollux::exec::Task<std::pair<pollux::exec::TcpStream, pollux::exec::TcpStream>> exec_tcp_pair() {
  std::error_code ec;
  auto listener = pollux::exec::TcpListener::bind(test::loopback_v4(), ec);
  TASK_REQUIRE(!ec);
  const auto addr = listener.local_addr(ec);
  TASK_REQUIRE(!ec);
  auto [cec, a] = co_await pollux::exec::TcpStream::connect(addr);
  TASK_REQUIRE_MESSAGE(!cec, cec.message());
  auto [aec, b] = co_await listener.accept();
  TASK_REQUIRE_MESSAGE(!aec, aec.message());
  co_return std::pair<pollux::exec::TcpStream, pollux::exec::TcpStream>(std::move(a), std::move(b));
}

}  // namespace test
