#include <pollux/exec/process.hpp>

#include "io_op.hpp"

namespace pollux::exec {

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

Task<ExitStatus> Process::wait(std::error_code& ec) {
  ec.clear();
  detail::ScheduledIo* io = io_.io();
  if (io == nullptr) {
    ec = std::make_error_code(std::errc::bad_file_descriptor);
    co_return ExitStatus::exited(-1);
  }
  for (;;) {
    // The status is kept once collected: ask first, then wait.
    const detail::ReadyEvent ev = io->ready_event(detail::ready::kForRead);
    const ExitStatus status = process_.exit_status(ec);
    if (!detail::is_would_block(ec)) co_return status;
    ec.clear();
    if (ev.ready != 0) {
      io->clear_readiness(ev);
      continue;
    }
    const detail::ReadyEvent woke = co_await detail::Readiness(*io, detail::ready::kForRead);
    if ((woke.ready & detail::ready::kShutdown) != 0) {
      ec = std::make_error_code(std::errc::bad_file_descriptor);
      co_return ExitStatus::exited(-1);
    }
  }
}

}  // namespace pollux::exec
