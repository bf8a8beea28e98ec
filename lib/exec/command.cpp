// SPDX-License-Identifier: MIT
// exec::Command and exec::Child: pollux::Command's pieces, each registered with the
// runtime's driver; wait_with_output reads both outputs in one task with join().

#include <pollux/exec/command.hpp>
#include <pollux/exec/join.hpp>

#include <array>
#include <tuple>

#include "io_op.hpp"
#include "registered_attach.hpp"
#include "stream_ops.hpp"

namespace pollux::inline POLLUX_ABI()::exec {

namespace {

// Registers `pipe`, when open, as an exec pipe type.
template <class Exec, class Pipe>
Exec register_pipe(Pipe pipe, std::error_code& ec) {
  if (ec || !pipe.is_open()) return Exec{};
  return Exec::from_pipe(std::move(pipe), ec);
}

// What wait_with_output reads from an output that was not piped: nothing, and no error.
Task<IoResult<std::string>> read_all(ChildOutput& pipe) {
  if (!pipe.is_open()) co_return IoResult<std::string>{};
  auto r = co_await pipe.read_to_end();
  co_return r;
}

}  // namespace

ChildStdin ChildStdin::from_pipe(pollux::ChildStdin pipe, std::error_code& ec) {
  ChildStdin s;
  ec = detail::attach(s.pipe_, std::move(pipe), Interest::writable);
  return s;
}

Task<IoResult<std::size_t>> ChildStdin::write(std::span<const std::byte> buf) {
  return detail::stream_write(pipe_.io(), pipe_.source(), buf);
}

Task<std::error_code> ChildStdin::write_all(std::span<const std::byte> buf) {
  return detail::stream_write_all(pipe_.io(), pipe_.source(), buf);
}

ChildOutput ChildOutput::from_pipe(pollux::ChildOutput pipe, std::error_code& ec) {
  ChildOutput s;
  ec = detail::attach(s.pipe_, std::move(pipe), Interest::readable);
  return s;
}

Task<IoResult<std::size_t>> ChildOutput::read(std::span<std::byte> buf) {
  return detail::stream_read(pipe_.io(), pipe_.source(), buf);
}

Task<IoResult<std::string>> ChildOutput::read_to_end() {
  IoResult<std::string> result;
  std::array<std::byte, 16 * 1024> buf;
  for (;;) {
    auto [ec, n] = co_await read(buf);
    if (ec) {
      result.error = ec;
      co_return result;
    }
    if (n == 0) co_return result;
    result.value.append(reinterpret_cast<const char*>(buf.data()), n);
  }
}

Child Child::from_child(pollux::Child child, std::error_code& ec) {
  // The caller gets no Child to wait for or kill on an error, so the child must not
  // outlive this call then: it is killed (and reaped, as any dropped Process).
  if (!detail::current_driver()) {
    ec = detail::no_runtime();
    (void)child.kill();
    return Child{};
  }
  Child c;
  c.kill_on_drop_ = child.kills_on_drop();
  c.stdin_ = register_pipe<ChildStdin>(child.take_stdin(), ec);
  c.stdout_ = register_pipe<ChildOutput>(child.take_stdout(), ec);
  c.stderr_ = register_pipe<ChildOutput>(child.take_stderr(), ec);
  if (ec) {
    (void)child.kill();
    return Child{};
  }
  c.process_ = Process::from_process(child.take_process(), ec);
  if (ec) return Child{};  // only when out of memory; the Process went with the failure
  return c;
}

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    if (kill_on_drop_) (void)process_.kill();
    process_ = std::move(other.process_);
    stdin_ = std::move(other.stdin_);
    stdout_ = std::move(other.stdout_);
    stderr_ = std::move(other.stderr_);
    kill_on_drop_ = std::exchange(other.kill_on_drop_, false);
  }
  return *this;
}

// Killing a child whose exit was collected does nothing (Process::kill), so no stranger
// that reuses its id is touched.
Child::~Child() {
  if (kill_on_drop_ && process_.is_open()) (void)process_.kill();
}

Task<IoResult<Output>> Child::wait_with_output() {
  stdin_.close();
  auto outputs = co_await join(read_all(stdout_), read_all(stderr_));
  IoResult<Output> result;
  auto& [out, err] = outputs;
  result.value.out = std::move(out.value);
  result.value.err = std::move(err.value);
  result.error = out.error ? out.error : err.error;
  auto waited = co_await wait();
  result.value.status = waited.value;
  if (!result.error) result.error = waited.error;
  co_return result;
}

Child Command::spawn(std::error_code& ec) const {
  // Outside a runtime nothing could wait for the child: refuse before starting it.
  if (!detail::current_driver()) {
    ec = detail::no_runtime();
    return Child{};
  }
  pollux::Child child = command_.spawn(ec);
  if (ec) return Child{};
  return Child::from_child(std::move(child), ec);
}

Task<IoResult<Output>> Command::output() const {
  Command command = *this;
  command.set_stdout(Stdio::piped).set_stderr(Stdio::piped);
  std::error_code ec;
  Child child = command.spawn(ec);
  if (ec) co_return IoResult<Output>{ec};
  auto r = co_await child.wait_with_output();
  co_return r;
}

}  // namespace pollux::exec
