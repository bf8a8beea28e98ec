// SPDX-License-Identifier: MIT
#pragma once
// One client connection: read, parse, run, reply, until the client leaves.

#include <pollux/exec/sync/semaphore.hpp>
#include <pollux/exec/task.hpp>
#include <pollux/exec/tcp_stream.hpp>
#include <pollux/net/tcp_stream.hpp>

#include "commands.hpp"

namespace kv {

/// Serves `conn` until EOF, an error, QUIT or a protocol error; the permit (the
/// connection limit's) goes back when it ends. The socket is registered with the runtime
/// that runs this task, so a connection stays on the worker it was handed to.
pollux::exec::Task<void> serve_connection(pollux::net::TcpStream conn, Server& server,
                                          pollux::exec::SemaphorePermit permit);

}  // namespace kv
