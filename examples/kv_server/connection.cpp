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

// Writes `out` whole (the first attempt without suspending) and empties it; false on error.
exec::Task<bool> flush(exec::TcpStream& stream, std::string& out) {
  const auto bytes = std::as_bytes(std::span<const char>(out.data(), out.size()));
  const auto [ec, sent] = stream.try_io(Interest::writable, [&] {
    exec::IoResult<std::size_t> r;
    r.value = stream.get().write(bytes, r.error);
    return r;
  });
  if (ec && !is_would_block(ec)) co_return false;
  const std::size_t taken = ec ? 0 : sent;
  if (taken < bytes.size() && co_await stream.write_all(bytes.subspan(taken))) co_return false;
  if (out.capacity() > kFlushAt * 2) {
    std::string().swap(out);
  } else {
    out.clear();
  }
  co_return true;
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
      if (out.size() >= kFlushAt && !co_await flush(stream, out)) co_return;
    }
    if (!out.empty() && !co_await flush(stream, out)) co_return;
    if (close) {
      (void)stream.shutdown(net::Shutdown::write);
      co_return;
    }
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
