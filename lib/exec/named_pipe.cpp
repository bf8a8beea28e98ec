// SPDX-License-Identifier: MIT
// exec::NamedPipe and exec::NamedPipeListener (built on Windows only).

#include <pollux/exec/detail/deadline.hpp>
#include <pollux/exec/named_pipe.hpp>
#include <pollux/exec/sleep.hpp>

#include "stream_ops.hpp"

namespace pollux::inline POLLUX_ABI()::exec {

namespace {

// Between two tries of a client whose server has no free instance: short, since a
// listener replaces a taken instance at once.
constexpr std::chrono::milliseconds kClientRetry{2};

}  // namespace

NamedPipe NamedPipe::from_win(win::NamedPipe pipe, std::error_code& ec) {
  NamedPipe p;
  p.pipe_ = std::move(pipe);
  ec = detail::register_source(p.io_, p.pipe_, Interest::readable | Interest::writable);
  if (ec) return NamedPipe{};
  return p;
}

Task<IoResult<NamedPipe>> NamedPipe::connect(std::string name, win::NamedPipeOptions options,
                                             std::chrono::milliseconds timeout) {
  const auto deadline = detail::saturating_deadline(std::chrono::steady_clock::now(), timeout);
  for (;;) {
    std::error_code ec;
    win::NamedPipe raw = win::NamedPipe::open_client(name, options, ec);
    if (!ec) {
      NamedPipe p = from_win(std::move(raw), ec);
      co_return {ec, std::move(p)};
    }
    if (ec != std::errc::device_or_resource_busy && ec != std::errc::no_such_file_or_directory) {
      co_return {ec};
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      co_return {std::make_error_code(std::errc::timed_out)};
    }
    co_await sleep(kClientRetry);
  }
}

Task<std::error_code> NamedPipe::wait_for_client() {
  std::error_code ec = pipe_.connect();
  if (!detail::is_would_block(ec)) co_return ec;
  detail::ScheduledIo* io = io_.io();
  // The pipe turns writable once a client has connected.
  const detail::ReadyEvent ev = co_await detail::Readiness(*io, detail::ready::kForWrite);
  if ((ev.ready & detail::ready::kShutdown) != 0) {
    co_return std::make_error_code(std::errc::bad_file_descriptor);
  }
  if ((ev.ready & detail::ready::kWritable) != 0) co_return std::error_code{};
  co_return std::make_error_code(std::errc::broken_pipe);
}

Task<IoResult<std::size_t>> NamedPipe::read(std::span<std::byte> buf) {
  return detail::stream_read(io_, pipe_, buf);
}

Task<IoResult<std::size_t>> NamedPipe::write(std::span<const std::byte> buf) {
  return detail::stream_write(io_, pipe_, buf);
}

Task<IoResult<std::size_t>> NamedPipe::read_exact(std::span<std::byte> buf) {
  return detail::stream_read_exact(io_, pipe_, buf);
}

Task<std::error_code> NamedPipe::write_all(std::span<const std::byte> buf) {
  return detail::stream_write_all(io_, pipe_, buf);
}

NamedPipeListener NamedPipeListener::create(std::string_view name,
                                            const win::NamedPipeOptions& options,
                                            std::size_t backlog, std::error_code& ec) {
  NamedPipeListener l;
  l.listener_ = win::NamedPipeListener::create(name, options, backlog, ec);
  if (ec) return NamedPipeListener{};
  ec = detail::register_source(l.io_, l.listener_, Interest::readable);
  if (ec) return NamedPipeListener{};
  return l;
}

Task<IoResult<NamedPipe>> NamedPipeListener::accept() {
  return detail::io_loop<NamedPipe>(io_, detail::ready::kForRead, [this](std::error_code& e) {
    win::NamedPipe raw = listener_.accept(e);
    return e ? NamedPipe{} : NamedPipe::from_win(std::move(raw), e);
  });
}

}  // namespace pollux::exec
