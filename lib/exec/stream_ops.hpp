#pragma once
// The operations TcpStream and UnixStream share, written once over any pollux stream
// with read/write/take_error/peer_addr.

#include <cstddef>
#include <span>
#include <system_error>

#include "io_op.hpp"

namespace pollux::exec::detail {

template <class S>
Task<std::size_t> stream_read(const IoHandle& h, S& s, std::span<std::byte> buf,
                              std::error_code& ec) {
  return io_loop<std::size_t>(h, ready::kForRead, ec,
                              [&s, buf](std::error_code& e) { return s.read(buf, e); });
}

template <class S>
Task<std::size_t> stream_write(const IoHandle& h, S& s, std::span<const std::byte> buf,
                               std::error_code& ec) {
  return io_loop<std::size_t>(h, ready::kForWrite, ec,
                              [&s, buf](std::error_code& e) { return s.write(buf, e); });
}

template <class S>
Task<std::size_t> stream_read_exact(const IoHandle& h, S& s, std::span<std::byte> buf,
                                    std::error_code& ec) {
  ec.clear();
  std::size_t done = 0;
  while (done < buf.size()) {
    const std::size_t n = co_await stream_read(h, s, buf.subspan(done), ec);
    if (ec) co_return done;
    if (n == 0) {
      ec = std::make_error_code(std::errc::no_message_available);
      co_return done;
    }
    done += n;
  }
  co_return done;
}

template <class S>
Task<std::error_code> stream_write_all(const IoHandle& h, S& s, std::span<const std::byte> buf) {
  std::error_code ec;
  std::size_t done = 0;
  while (done < buf.size()) {
    done += co_await stream_write(h, s, buf.subspan(done), ec);
    if (ec) co_return ec;
  }
  co_return ec;
}

// Waits for a connect started on `s` to finish: writable, then the socket's pending
// error or, if none, a peer address. Returns false with `ec` set when it failed.
template <class S>
Task<bool> stream_connected(const IoHandle& h, S& s, std::error_code& ec) {
  ScheduledIo* io = h.io();
  for (;;) {
    const ReadyEvent ev = co_await Readiness(*io, ready::kForWrite);
    if ((ev.ready & ready::kShutdown) != 0) {
      ec = std::make_error_code(std::errc::bad_file_descriptor);
      co_return false;
    }
    if (ev.ready == 0) continue;
    std::error_code err;
    const std::error_code pending = s.take_error(err);
    if (err || pending) {
      ec = err ? err : pending;
      co_return false;
    }
    (void)s.peer_addr(err);
    if (!err) co_return true;
    if (err != std::errc::not_connected) {
      ec = err;
      co_return false;
    }
    // Woken before the attempt was over (a spurious edge): wait for the next one.
    io->clear_readiness(ev);
  }
}

}  // namespace pollux::exec::detail
