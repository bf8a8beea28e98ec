// SPDX-License-Identifier: MIT
// The connection loop. Every complete request in the read buffer runs before anything is
// written, and their replies go out together in one write (a pipelined batch costs one
// syscall each way). Memory per connection: the read buffer (one request at most) and
// the output (flushed whenever it passes kFlushAt, so a long pipeline of large GETs
// does not pile up replies).

#include "connection.hpp"

#include <pollux/exec/select.hpp>

#include <string>
#include <variant>

#include "read_buffer.hpp"
#include "reply.hpp"
#include "resp_parser.hpp"

using namespace pollux;

namespace kv {

namespace {

constexpr std::size_t kFlushAt = std::size_t{256} << 10;
// Messages taken from the ring per wake-up without waiting, batched into one write.
constexpr int kMessageBatch = 64;

void reset_output(std::string& out) {
  if (out.capacity() > kFlushAt * 2) {
    std::string().swap(out);
  } else {
    out.clear();
  }
}

// A message from the ring for this subscriber: appended if it is for one of its
// channels. False when the subscriber lagged (lost messages): it is dropped.
bool take_message(Session& session, exec::broadcast::RecvResult<MessagePtr>& m, std::string& out) {
  if (!m.value) return false;
  if (session.wants(**m.value)) out += (*m.value)->reply;
  return true;
}

}  // namespace

exec::Task<void> serve_connection(net::TcpStream conn, Server& server,
                                  exec::SemaphorePermit permit) {
  (void)permit;  // held for the connection's life
  std::error_code reg;
  exec::TcpStream stream = exec::TcpStream::from_net(std::move(conn), reg);
  if (reg) co_return;
  (void)stream.set_nodelay(true);
  Session session(server);
  RequestParser parser;
  ReadBuffer in;
  std::string out;
  for (;;) {
    bool close = false;
    bool full = false;  // the output passed kFlushAt: write it before running more
    for (;;) {
      const ParseStatus st = parser.parse(in.pending());
      if (st == ParseStatus::incomplete) break;
      if (st == ParseStatus::error) {
        append_error(out, parser.error());
        close = true;
        break;
      }
      if (st == ParseStatus::complete) session.execute(parser.args(), out);
      in.consume(parser.consumed());
      parser.reset();
      if (session.quit()) {
        close = true;
        break;
      }
      if (out.size() >= kFlushAt) {
        full = true;
        break;
      }
    }
    if (!out.empty()) {
      // Most replies fit the socket's buffer: the awaiter sends them without a frame and
      // suspends only for the rest, if any.
      if (co_await stream.write_all(std::as_bytes(std::span(out)))) co_return;
      reset_output(out);
    }
    if (close) {
      (void)stream.shutdown(net::Shutdown::write);
      co_return;
    }
    if (full) continue;
    if (in.pending().empty()) in.release_if_large();

    if (session.subscribed()) {
      // Either a request or a message; read() and recv() are both cancel-safe.
      auto r = co_await exec::select(stream.read(in.space(parser.needed())),
                                     session.receiver().recv());
      if (r.index() == 0) {
        const auto [ec, n] = std::get<0>(r);
        if (ec || n == 0) co_return;
        in.commit(n);
        continue;
      }
      if (!take_message(session, std::get<1>(r), out)) co_return;
      for (int i = 0; i < kMessageBatch; ++i) {
        auto more = session.receiver().try_recv();
        if (more.error == std::errc::resource_unavailable_try_again) break;
        if (!take_message(session, more, out)) co_return;
      }
      continue;
    }

    // read() forgets the readiness after a read shorter than the buffer (on epoll), so a
    // request that fits costs one recv, not one more that would block before the wait.
    const auto [ec, n] = co_await stream.read(in.space(parser.needed()));
    if (ec || n == 0) co_return;
    in.commit(n);
  }
}

}  // namespace kv
