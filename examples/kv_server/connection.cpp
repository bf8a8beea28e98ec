// SPDX-License-Identifier: MIT
// The connection loop. Every complete request in the read buffer runs before anything is
// written, and their replies go out together in one write (a pipelined batch costs one
// syscall each way). Memory per connection: the read buffer (one request at most) and
// the output (flushed whenever it passes kFlushAt, so a long pipeline of large GETs
// does not pile up replies).

#include "connection.hpp"

#include <pollux/exec/select.hpp>
#include <pollux/would_block.hpp>

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

// Writes what the socket takes now, without waiting: the count, or npos on an error.
std::size_t write_now(exec::TcpStream& stream, std::span<const std::byte> bytes) {
  const auto [ec, sent] = stream.try_io(Interest::writable, [&] {
    exec::IoResult<std::size_t> r;
    r.value = stream.get().write(bytes, r.error);
    return r;
  });
  if (!ec) return sent;
  return is_would_block(ec) ? 0 : std::string::npos;
}

// Writes `out` whole and empties it; false on an error. Most replies fit the socket's
// buffer at once: only the rest, if any, goes through an awaited write_all.
exec::Task<bool> flush_rest(exec::TcpStream& stream, std::string& out, std::size_t taken) {
  const auto bytes = std::as_bytes(std::span<const char>(out.data(), out.size()));
  if (co_await stream.write_all(bytes.subspan(taken))) co_return false;
  co_return true;
}

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

exec::Task<void> serve_connection(exec::TcpStream stream, Server& server,
                                  exec::SemaphorePermit permit) {
  (void)permit;  // held for the connection's life
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
      const std::size_t n = write_now(stream, std::as_bytes(std::span(out)));
      if (n == std::string::npos) co_return;
      if (n < out.size() && !co_await flush_rest(stream, out, n)) co_return;
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

    for (;;) {
      const std::span<std::byte> space = in.space(parser.needed());
      const auto got = stream.try_io(Interest::readable, [&] {
        exec::IoResult<std::size_t> r;
        r.value = stream.get().read(space, r.error);
        return r;
      });
      if (is_would_block(got.error)) {
        if ((co_await stream.readable()).error) co_return;
        continue;
      }
      if (got.error || got.value == 0) co_return;
      in.commit(got.value);
      break;
    }
  }
}

}  // namespace kv
