// SPDX-License-Identifier: MIT
#pragma once
// The pieces every async I/O type is made of: registering a source with the current
// runtime's driver, and the loop "wait for readiness, try the operation, and on
// would-block forget that readiness (unless the driver saw a newer edge) and wait
// again" that tokio's poll_ready/clear_readiness pair implements.

#include <system_error>

#include <pollux/exec/coop.hpp>
#include <pollux/exec/detail/io_handle.hpp>
#include <pollux/exec/io_result.hpp>
#include <pollux/exec/task.hpp>
#include <pollux/interest.hpp>
#include <pollux/would_block.hpp>

#include "io_driver.hpp"
#include "scheduled_io.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

// The driver of the runtime whose task (or driving thread) is running here; null
// outside any runtime, or when its selector could not be opened.
std::shared_ptr<IoDriver> current_driver() noexcept;

// What I/O outside a runtime reports.
inline std::error_code no_runtime() noexcept {
  return std::make_error_code(std::errc::operation_not_permitted);
}

template <class S>
std::error_code register_source(IoHandle& handle, S& source, Interest interest) noexcept {
  std::shared_ptr<IoDriver> driver = current_driver();
  if (!driver) return no_runtime();
  ScheduledIo* io = driver->allocate();
  if (io == nullptr) return std::make_error_code(std::errc::not_enough_memory);
  if (auto ec = driver->registry().add(source, IoDriver::token_of(io), interest)) {
    driver->release(io);
    return ec;
  }
  handle = IoHandle(std::move(driver), io);
  return {};
}

inline bool is_would_block(const std::error_code& ec) noexcept { return pollux::is_would_block(ec); }

inline std::error_code no_source() noexcept {
  return std::make_error_code(std::errc::bad_file_descriptor);
}

// Runs `op(ec)` until it does not report would-block, waiting for `interest` between
// tries; the error and the value come back together. Cancel-safe as long as `op` is:
// nothing happens while it waits.
template <class R, class Op>
Task<IoResult<R>> io_loop(const IoHandle& handle, std::uint32_t interest, Op op) {
  ScheduledIo* io = handle.io();
  if (io == nullptr) co_return IoResult<R>{no_source()};
  // An operation that always succeeds at once must still let the others run.
  co_await consume_budget();
  for (;;) {
    const ReadyEvent ev = co_await Readiness(*io, interest);
    if ((ev.ready & ready::kShutdown) != 0) co_return IoResult<R>{no_source()};
    if (ev.ready == 0) continue;
    IoResult<R> r;
    r.value = op(r.error);
    if (!is_would_block(r.error)) co_return r;
    io->clear_readiness(ev);
  }
}

}  // namespace pollux::exec::detail
