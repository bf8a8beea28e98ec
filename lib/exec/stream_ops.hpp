// SPDX-License-Identifier: MIT
#pragma once
// The operations TcpStream, UnixStream and NamedPipe share, written once over any
// pollux stream with read/write/take_error/peer_addr.

#include <cstddef>
#include <span>
#include <system_error>
#include <type_traits>

#include <pollux/exec/detail/io_transfer.hpp>

#include "io_op.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

// The awaiters (io_transfer.hpp) of the four operations over a pollux stream S (read/write with std::error_code&).
template <class S>
struct StreamSteps {
  static std::size_t read(void* s, std::byte* d, std::size_t n, std::error_code& ec) {
    return static_cast<S*>(s)->read(std::span<std::byte>(d, n), ec);
  }
  static std::size_t write(void* s, std::byte* d, std::size_t n, std::error_code& ec) {
    return static_cast<S*>(s)->write(std::span<const std::byte>(d, n), ec);
  }
};

template <class S>
IoCountAwait stream_read_await(const IoHandle& h, S& s, std::span<std::byte> buf) noexcept {
  return {h, &s, &StreamSteps<S>::read, buf.data(), buf.size(), false,
          IoTransfer::Mode::once, std::errc{}};
}
template <class S>
IoCountAwait stream_write_await(const IoHandle& h, S& s, std::span<const std::byte> buf) noexcept {
  return {h, &s, &StreamSteps<S>::write, const_cast<std::byte*>(buf.data()), buf.size(), true,
          IoTransfer::Mode::once, std::errc{}};
}
template <class S>
IoCountAwait stream_read_exact_await(const IoHandle& h, S& s, std::span<std::byte> buf) noexcept {
  return {h, &s, &StreamSteps<S>::read, buf.data(), buf.size(), false,
          IoTransfer::Mode::all, std::errc::no_message_available};
}
// A write that takes nothing without an error is not expected from any stream; it is
// reported (broken_pipe) rather than retried forever.
template <class S>
IoDoneAwait stream_write_all_await(const IoHandle& h, S& s, std::span<const std::byte> buf) noexcept {
  return {h, &s, &StreamSteps<S>::write, const_cast<std::byte*>(buf.data()), buf.size(), true,
          IoTransfer::Mode::all, std::errc::broken_pipe};
}


// The same operations as coroutines, for the types not moved to the awaiters yet.

template <class S>
Task<IoResult<std::size_t>> stream_read(const IoHandle& h, S& s, std::span<std::byte> buf) {
  return io_loop<std::size_t>(h, ready::kForRead,
                              [&s, buf](std::error_code& e) { return s.read(buf, e); });
}

template <class S>
Task<IoResult<std::size_t>> stream_write(const IoHandle& h, S& s,
                                         std::span<const std::byte> buf) {
  return io_loop<std::size_t>(h, ready::kForWrite,
                              [&s, buf](std::error_code& e) { return s.write(buf, e); });
}

// read_exact and write_all: the loop of io_loop, carried on until `total` bytes have
// moved, in one coroutine frame (not one per chunk: an echo server pays for every frame).
// `step(done, ec)` moves some of what is left and returns how much; 0 with no error
// means the peer is gone (EOF), reported as `on_zero`. `Result` is IoResult<size_t>
// (the count so far comes with the error) or std::error_code.
template <class Result, class Step>
Task<Result> transfer_all(const IoHandle& h, std::uint32_t interest, std::size_t total,
                          std::errc on_zero, Step step) {
  auto finish = [](std::error_code ec, std::size_t done) {
    if constexpr (std::is_same_v<Result, std::error_code>) {
      (void)done;
      return ec;
    } else {
      return Result{ec, done};
    }
  };
  std::size_t done = 0;
  if (total == 0) co_return finish({}, done);
  ScheduledIo* io = h.io();
  if (io == nullptr) co_return finish(no_source(), done);
  co_await consume_budget();
  while (done < total) {
    const ReadyEvent ev = co_await Readiness(*io, interest);
    if ((ev.ready & ready::kShutdown) != 0) co_return finish(no_source(), done);
    if (ev.ready == 0) continue;
    std::error_code ec;
    const std::size_t n = step(done, ec);
    if (is_would_block(ec)) {
      io->clear_readiness(ev);
      continue;
    }
    if (ec) co_return finish(ec, done);
    if (n == 0) co_return finish(std::make_error_code(on_zero), done);
    done += n;
  }
  co_return finish({}, done);
}

template <class S>
Task<IoResult<std::size_t>> stream_read_exact(const IoHandle& h, S& s, std::span<std::byte> buf) {
  return transfer_all<IoResult<std::size_t>>(
      h, ready::kForRead, buf.size(), std::errc::no_message_available,
      [&s, buf](std::size_t done, std::error_code& e) { return s.read(buf.subspan(done), e); });
}

// A write that takes nothing without an error is not expected from any stream; it is
// reported (broken_pipe) rather than retried forever.
template <class S>
Task<std::error_code> stream_write_all(const IoHandle& h, S& s, std::span<const std::byte> buf) {
  return transfer_all<std::error_code>(
      h, ready::kForWrite, buf.size(), std::errc::broken_pipe,
      [&s, buf](std::size_t done, std::error_code& e) { return s.write(buf.subspan(done), e); });
}

// Waits for a connect started on `s` to finish: writable, then the socket's pending
// error or, if none, a peer address. Empty when connected.
template <class S>
Task<std::error_code> stream_connected(const IoHandle& h, S& s) {
  ScheduledIo* io = h.io();
  for (;;) {
    const ReadyEvent ev = co_await Readiness(*io, ready::kForWrite);
    if ((ev.ready & ready::kShutdown) != 0) co_return no_source();
    if (ev.ready == 0) continue;
    std::error_code err;
    const std::error_code pending = s.take_error(err);
    if (err || pending) co_return err ? err : pending;
    (void)s.peer_addr(err);
    if (!err) co_return std::error_code{};
    if (err != std::errc::not_connected) co_return err;
    // Woken before the attempt was over (a spurious edge): wait for the next one.
    io->clear_readiness(ev);
  }
}

}  // namespace pollux::exec::detail
