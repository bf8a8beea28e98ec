// SPDX-License-Identifier: MIT
// AsyncFd's out-of-line half: registration with the current runtime's driver, the
// readiness wait (the driver's Readiness awaitable, built inside the caller's storage),
// and the clear that try_io makes after would-block.

#include <pollux/exec/async_fd.hpp>
#include <pollux/exec/detail/io_readiness.hpp>

#include <new>

#include "io_driver.hpp"
#include "io_op.hpp"
#include "scheduled_io.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

namespace {

static_assert(Ready::kReadable == ready::kReadable && Ready::kWritable == ready::kWritable &&
              Ready::kReadClosed == ready::kReadClosed &&
              Ready::kWriteClosed == ready::kWriteClosed && Ready::kError == ready::kError &&
              Ready::kPriority == ready::kPriority);

// What Registry::add and modify see: the caller's source, through its function pointers.
// remove goes through IoHandle::deregister with the real source, never through this.
struct Erased {
  ErasedSource s;
  std::error_code add_to(const Registry& r, Token t, Interest i) { return s.add(s.source, r, t, i); }
  std::error_code modify_in(const Registry& r, Token t, Interest i) {
    return s.modify(s.source, r, t, i);
  }
  std::error_code remove_from(const Registry&) {
    return std::make_error_code(std::errc::operation_not_supported);
  }
};

Readiness* readiness(unsigned char* storage) noexcept {
  return std::launder(reinterpret_cast<Readiness*>(storage));
}

}  // namespace

std::error_code async_fd_register(IoHandle& handle, ErasedSource source, Interest interest) noexcept {
  if (interest.is_empty()) return std::make_error_code(std::errc::invalid_argument);
  Erased erased{source};
  return register_source(handle, erased, interest);
}

void async_fd_clear(const IoHandle& handle,
                    ErasedSource source,
                    Interest interest,
                    std::uint32_t ready,
                    std::uint32_t tick) noexcept {
  ScheduledIo* io = handle.io();
  if (io == nullptr || ready == 0) return;
  io->clear_readiness(ReadyEvent{ready, tick});
  // poll(2) and IOCP report an edge once, then wait for a pollux operation to meet
  // would-block; the caller's own I/O is not one, and modify is the documented re-arm.
  // epoll needs none, and is spared the system call.
  if constexpr (pollux::sys::kEmulatedEdges) {
    Erased erased{source};
    (void)handle.driver()->registry().modify(erased, IoDriver::token_of(io), interest);
  }
}

bool FdReadyWait::await_suspend(std::coroutine_handle<> h) noexcept {
  static_assert(sizeof(Readiness) <= kStorage && alignof(Readiness) <= alignof(void*));
  auto* r = ::new (storage_) Readiness(*handle_->io(), ready::wanted(wanted_));
  waiting_ = true;
  return r->await_suspend(h);
}

void FdReadyWait::leave() noexcept { readiness(storage_)->~Readiness(); }

FdReadyWait::Seen FdReadyWait::resume_waiting() noexcept {
  const ReadyEvent ev = readiness(storage_)->await_resume();
  // The driver stopped, or the source left it: waiting again would never end.
  if ((ev.ready & ready::kShutdown) != 0) return {std::errc::bad_file_descriptor};
  return {{}, ev.ready, ev.tick};
}

}  // namespace pollux::exec::detail
