// SPDX-License-Identifier: MIT
#include <pollux/exec/signal.hpp>

#include "io_op.hpp"
#include "registered_attach.hpp"

namespace pollux::inline POLLUX_ABI()::exec {

SignalStream SignalStream::from_signals(pollux::Signals signals, std::error_code& ec) {
  SignalStream s;
  ec = detail::attach(s.signals_, std::move(signals), Interest::readable);
  return s;
}

SignalStream SignalStream::create(std::span<const int> signals, std::error_code& ec) {
  pollux::Signals raw = pollux::Signals::create(signals, ec);
  if (ec) return SignalStream{};
  return from_signals(std::move(raw), ec);
}

Task<IoResult<int>> SignalStream::recv() {
  // read() runs only while this coroutine runs and its result is returned at once, so a
  // recv dropped at the await below has taken nothing (the header's cancel-safety rule).
  co_return co_await detail::io_loop<int>(
      signals_.io(), detail::ready::kForRead,
      [this](std::error_code& ec) { return signals_.source().read(ec); });
}

Task<std::error_code> ctrl_c() {
  std::error_code ec;
  SignalStream stream = SignalStream::create({pollux::Signals::ctrl_c()}, ec);
  if (ec) co_return ec;
  auto r = co_await stream.recv();
  co_return r.error;
}

}  // namespace pollux::exec
