// SPDX-License-Identifier: MIT
#pragma once
// unix::pipe(): a non-blocking, close-on-exec pipe as two Sources (Unix only).

#include <cstddef>
#include <span>
#include <system_error>
#include <utility>

#include <pollux/config.hpp>
#include <pollux/detail/io_source.hpp>

namespace pollux::inline POLLUX_ABI()::unix {

class Sender;
class Receiver;
/// A new pipe, both ends non-blocking and close-on-exec.
POLLUX_API std::pair<Sender, Receiver> pipe(std::error_code& ec);

/// The write end. Turns writable when there is room; when the Receiver is gone its
/// event carries write_closed, and write fails with std::errc::broken_pipe. No SIGPIPE
/// reaches the process: the write blocks it in the calling thread for the duration and
/// consumes one the write raised, leaving the process's signal dispositions alone.
class POLLUX_API Sender {
 public:
  Sender() noexcept = default;
  /// Adopts the write end of a pipe (or FIFO) and makes it non-blocking.
  static Sender from_native(int fd, std::error_code& ec);

  ///@{
  /// Movable, not copyable: the handle moves with it.
  Sender(Sender&&) noexcept = default;
  Sender& operator=(Sender&&) noexcept = default;
  ///@}

  /// Writes as much of the buffer as fits now and returns how much;
  /// std::errc::operation_would_block when nothing fits.
  std::size_t write(std::span<const std::byte> buf, std::error_code& ec);
  /// As write(), gathering from several buffers in one system call.
  std::size_t write_vectored(std::span<const std::span<const std::byte>> bufs, std::error_code& ec);

  /// The OS handle (an fd, or a SOCKET on Windows); it stays this object's.
  int native_handle() const noexcept { return io_.handle(); }
  /// False once released or moved from, or when never opened.
  bool is_open() const noexcept { return io_.is_open(); }
  /// Removes any registration and gives up the handle without closing it: the caller owns
  /// it, and this object is left empty.
  int release() noexcept { return io_.release(); }

  ///@{
  /// The Source hooks behind Registry::add, modify and remove: call those.
  std::error_code add_to(const Registry& registry, Token token, Interest interest) {
    return io_.add_to(registry, token, interest);
  }
  std::error_code modify_in(const Registry& registry, Token token, Interest interest) {
    return io_.modify_in(registry, token, interest);
  }
  std::error_code remove_from(const Registry& registry) { return io_.remove_from(registry); }
  ///@}

 private:
  explicit Sender(int fd) noexcept : io_(fd) {}
  friend std::pair<Sender, Receiver> pipe(std::error_code& ec);
  detail::IoSource io_;
};

/// The read end. When every Sender is gone its event carries read_closed, and read
/// returns 0 (EOF) once the data left in the pipe is read.
class POLLUX_API Receiver {
 public:
  Receiver() noexcept = default;
  /// Adopts the read end of a pipe (or FIFO) and makes it non-blocking.
  static Receiver from_native(int fd, std::error_code& ec);

  ///@{
  /// Movable, not copyable: the handle moves with it.
  Receiver(Receiver&&) noexcept = default;
  Receiver& operator=(Receiver&&) noexcept = default;
  ///@}

  /// Reads what is available now into `buf`; 0 is end of stream (or an empty `buf`),
  /// std::errc::operation_would_block that nothing is there yet.
  std::size_t read(std::span<std::byte> buf, std::error_code& ec);
  /// As read(), scattering into several buffers in one system call.
  std::size_t read_vectored(std::span<const std::span<std::byte>> bufs, std::error_code& ec);

  /// The OS handle (an fd, or a SOCKET on Windows); it stays this object's.
  int native_handle() const noexcept { return io_.handle(); }
  /// False once released or moved from, or when never opened.
  bool is_open() const noexcept { return io_.is_open(); }
  /// Removes any registration and gives up the handle without closing it: the caller owns
  /// it, and this object is left empty.
  int release() noexcept { return io_.release(); }

  ///@{
  /// The Source hooks behind Registry::add, modify and remove: call those.
  std::error_code add_to(const Registry& registry, Token token, Interest interest) {
    return io_.add_to(registry, token, interest);
  }
  std::error_code modify_in(const Registry& registry, Token token, Interest interest) {
    return io_.modify_in(registry, token, interest);
  }
  std::error_code remove_from(const Registry& registry) { return io_.remove_from(registry); }
  ///@}

 private:
  explicit Receiver(int fd) noexcept : io_(fd) {}
  friend std::pair<Sender, Receiver> pipe(std::error_code& ec);
  detail::IoSource io_;
};

}  // namespace pollux::unix
