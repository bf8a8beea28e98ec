// SPDX-License-Identifier: MIT
#pragma once
// One client connection: read, parse, run, reply, until the client leaves.

#include <pollux/exec/sync/semaphore.hpp>
#include <pollux/exec/task.hpp>
#include <pollux/exec/tcp_stream.hpp>

#include "commands.hpp"

namespace kv {

/// Serves `stream` until EOF, an error, QUIT or a protocol error; the permit (the
/// connection limit's) goes back when it ends.
pollux::exec::Task<void> serve_connection(pollux::exec::TcpStream stream, Server& server,
                                          pollux::exec::SemaphorePermit permit);

}  // namespace kv
