// SPDX-License-Identifier: MIT
// IoTransfer (include/pollux/exec/detail/io_transfer.hpp): the stream operations as
// awaiters. The loop is io_op.hpp's: wait for readiness, try, and on would-block forget
// that readiness (unless the driver saw a newer edge) and wait again. It runs in
// await_ready first, frame-free; only when it must wait does a helper coroutine carry it
// on, because an awaiter that is resumed cannot suspend again and a woken operation may
// still meet would-block (another task took the data, a spurious edge).

#include <pollux/exec/detail/io_transfer.hpp>

#include <exception>
#include <utility>

#include <pollux/exec/detail/task_header.hpp>
#include <pollux/poll.hpp>

#include "io_op.hpp"
#include "scheduled_io.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

namespace {

// The helper's final awaiter: resumes the coroutine that awaits the transfer (symmetric
// transfer, as a Task's end does). Here, with internal linkage, and not nested in
// IoTransfer::Helper: a class nested in the exported IoTransfer would be exported with
// it, and nothing outside the library can name this one.
template <class Promise>
struct ResumeAwaiting {
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> h) noexcept {
    return h.promise().continuation;
  }
  void await_resume() const noexcept {}
};

}  // namespace

// The helper's coroutine type: started by await_suspend, it resumes the awaiting
// coroutine when it is done; its frame is destroyed with the IoTransfer.
struct IoTransfer::Helper {
  struct promise_type {
    static void* operator new(std::size_t size) { return cell_allocate(size); }
    static void operator delete(void* p, std::size_t size) noexcept { cell_deallocate(p, size); }

    Helper get_return_object() noexcept {
      return Helper{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() const noexcept { return {}; }
    ResumeAwaiting<promise_type> final_suspend() const noexcept { return {}; }
    void return_void() noexcept {}
    // Nothing in the loop throws (the steps are the noexcept-in-practice socket calls).
    void unhandled_exception() noexcept { std::terminate(); }

    std::coroutine_handle<> continuation;
  };
  std::coroutine_handle<promise_type> handle;
};

namespace {

struct YieldTask {
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h) const noexcept { return yield_current(h); }
  void await_resume() const noexcept {}
};

}  // namespace

IoTransfer::IoTransfer(const IoHandle& handle, void* source, Step step, std::byte* data,
                       std::size_t size, bool write, Mode mode, std::errc on_zero) noexcept
    : io_(handle.io()),
      source_(source),
      step_(step),
      data_(data),
      size_(size),
      interest_(write ? ready::kForWrite : ready::kForRead),
      mode_(mode),
      on_zero_(on_zero) {}

IoTransfer::IoTransfer(IoTransfer&& other) noexcept
    : error_(other.error_),
      done_(other.done_),
      io_(other.io_),
      source_(other.source_),
      step_(other.step_),
      data_(other.data_),
      size_(other.size_),
      interest_(other.interest_),
      mode_(other.mode_),
      yield_(other.yield_),
      on_zero_(other.on_zero_),
      helper_(std::exchange(other.helper_, {})) {}

IoTransfer::~IoTransfer() {
  if (helper_) helper_.destroy();
}

bool IoTransfer::attempt() noexcept {
  auto* io = static_cast<ScheduledIo*>(io_);
  for (;;) {
    const ReadyEvent ev = io->ready_event(interest_);
    if (ev.ready == 0) return false;
    if ((ev.ready & ready::kShutdown) != 0) {
      error_ = no_source();
      return true;
    }
    std::error_code ec;
    const std::size_t n = step_(source_, data_ + done_, size_ - done_, ec);
    if (is_would_block(ec)) {
      io->clear_readiness(ev);
      continue;
    }
    if (ec) {
      error_ = ec;
      return true;
    }
    // A transfer shorter than asked for emptied (or filled) the socket's buffer: forget
    // the readiness now rather than learn it from one more system call that would
    // block. Safe under edge-triggered epoll only: a later edge comes with a newer tick,
    // which the clear leaves alone. poll(2) and IOCP re-arm on would-block, so there the
    // next operation must meet it.
    if constexpr (!pollux::sys::kEmulatedEdges) {
      if (n > 0 && n < size_ - done_) io->clear_readiness(ev);
    }
    done_ += n;
    if (mode_ == Mode::once) return true;
    if (n == 0) {
      error_ = std::make_error_code(on_zero_);
      return true;
    }
    if (done_ == size_) return true;
  }
}

bool IoTransfer::await_ready() noexcept {
  if (mode_ == Mode::all && size_ == 0) return true;
  if (io_ == nullptr) {
    error_ = no_source();
    return true;
  }
  // An operation that always completes at once must still let the others run.
  if (!coop_has_budget()) {
    yield_ = true;
    return false;
  }
  coop_consume();
  return attempt();
}

IoTransfer::Helper IoTransfer::wait_loop(IoTransfer* self) {
  if (self->yield_) {
    co_await YieldTask{};
    if (self->attempt()) co_return;
  }
  auto* io = static_cast<ScheduledIo*>(self->io_);
  for (;;) {
    (void)co_await Readiness(*io, self->interest_);
    if (self->attempt()) co_return;
  }
}

std::coroutine_handle<> IoTransfer::await_suspend(std::coroutine_handle<> awaiting) {
  const Helper h = wait_loop(this);
  h.handle.promise().continuation = awaiting;
  helper_ = h.handle;
  return h.handle;
}

}  // namespace pollux::exec::detail
