// SPDX-License-Identifier: MIT
#include <pollux/exec/process.hpp>

#include "io_op.hpp"

namespace pollux::inline POLLUX_ABI()::exec {

Process Process::from_process(pollux::Process process, std::error_code& ec) {
  Process p;
  p.process_ = std::move(process);
  ec = detail::register_source(p.io_, p.process_, Interest::readable);
  if (ec) return Process{};
  return p;
}

Process Process::spawn(std::span<const std::string> argv, std::error_code& ec) {
  pollux::Process raw = pollux::Process::spawn(argv, ec);
  if (ec) return Process{};
  return from_process(std::move(raw), ec);
}

Task<IoResult<ExitStatus>> Process::wait() {
  const auto failed = [](std::error_code ec) {
    return IoResult<ExitStatus>{ec, ExitStatus::exited(-1)};
  };
  detail::ScheduledIo* io = io_.io();
  if (io == nullptr) co_return failed(detail::no_source());
  for (;;) {
    // The status is kept once collected: ask first, then wait.
    const detail::ReadyEvent ev = io->ready_event(detail::ready::kForRead);
    std::error_code ec;
    const ExitStatus status = process_.exit_status(ec);
    if (!detail::is_would_block(ec)) co_return IoResult<ExitStatus>{ec, status};
    if (ev.ready != 0) {
      io->clear_readiness(ev);
      continue;
    }
    const detail::ReadyEvent woke = co_await detail::Readiness(*io, detail::ready::kForRead);
    if ((woke.ready & detail::ready::kShutdown) != 0) co_return failed(detail::no_source());
  }
}

}  // namespace pollux::exec
