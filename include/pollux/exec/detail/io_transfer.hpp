// SPDX-License-Identifier: MIT
#pragma once
// What read, write, read_exact and write_all of pollux-exec's streams return: an awaiter
// object, not a coroutine. An operation that finds its readiness and completes at once
// (most writes, and every read that data is waiting for) costs no frame and no
// allocation; only one that must wait (or yield its task's budget) starts a small helper
// coroutine, which waits for readiness, retries after would-block, and hands control back
// to the awaiting coroutine when done.

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <system_error>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/io_handle.hpp>
#include <pollux/exec/io_result.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

class POLLUX_EXEC_API IoTransfer {
 public:
  // Moves some of [data, data + size) on `source`: the count, and an error in `ec`.
  using Step = std::size_t (*)(void* source, std::byte* data, std::size_t size,
                               std::error_code& ec);
  // once: one successful step (read, write); all: steps until `size` bytes have moved
  // (read_exact, write_all), a step that moves 0 bytes being the error `on_zero`.
  enum class Mode : std::uint8_t { once, all };

  IoTransfer(const IoHandle& handle, void* source, Step step, std::byte* data,
             std::size_t size, bool write, Mode mode, std::errc on_zero) noexcept;
  // Movable until awaited (select and timeout move it into their branch).
  IoTransfer(IoTransfer&& other) noexcept;
  IoTransfer(const IoTransfer&) = delete;
  IoTransfer& operator=(const IoTransfer&) = delete;
  IoTransfer& operator=(IoTransfer&&) = delete;
  // Destroying it while suspended destroys the helper, which unlinks its waiter:
  // cancel-safe as the operation itself is.
  ~IoTransfer();

  bool await_ready() noexcept;
  // Starts the helper (its frame may throw std::bad_alloc) and transfers to it.
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting);

 protected:
  // Tries as long as readiness lets it: true when finished (error_ and done_ hold the
  // outcome), false when it has to wait for readiness.
  bool attempt() noexcept;

  std::error_code error_;
  std::size_t done_ = 0;

 private:
  struct Helper;
  static Helper wait_loop(IoTransfer* self);

  void* io_;  // the ScheduledIo; null when not registered
  void* source_;
  Step step_;
  std::byte* data_;
  std::size_t size_;
  std::uint32_t interest_;
  Mode mode_;
  bool yield_ = false;  // out of budget: go behind the runnable tasks first
  std::errc on_zero_;
  std::coroutine_handle<> helper_;
};

// `auto [ec, n] = co_await stream.read(buf);`
class [[nodiscard]] IoCountAwait : public IoTransfer {
 public:
  using IoTransfer::IoTransfer;
  IoResult<std::size_t> await_resume() noexcept { return {error_, done_}; }
};

// `if (auto ec = co_await stream.write_all(buf))`
class [[nodiscard]] IoDoneAwait : public IoTransfer {
 public:
  using IoTransfer::IoTransfer;
  std::error_code await_resume() noexcept { return error_; }
};

}  // namespace pollux::exec::detail
