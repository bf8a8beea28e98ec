// SPDX-License-Identifier: MIT
#pragma once
// win::NamedPipe: a named pipe end with readiness semantics over overlapped I/O.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include <pollux/config.hpp>
#include <pollux/interest.hpp>
#include <pollux/token.hpp>

namespace pollux::inline POLLUX_ABI() {
class Registry;
}

namespace pollux::inline POLLUX_ABI()::win {

class Binding;

/// How a pipe carries data; both ends must use the same mode.
enum class PipeMode {
  /// A byte stream: reads return whatever has arrived.
  byte,
  /// Messages: each write is one message, and reads never merge or silently split them.
  message,
};

/// How the NamedPipe factories (and NamedPipeListener) open a pipe.
struct NamedPipeOptions {
  /// Bytes or messages; both ends must agree.
  PipeMode mode = PipeMode::byte;
  ///@{
  /// The kernel's buffers (CreateNamedPipeW's nOutBufferSize and nInBufferSize). Server only.
  std::uint32_t out_buffer_size = 64 * 1024;
  std::uint32_t in_buffer_size = 64 * 1024;
  ///@}
  /// Instances of this name that may exist at once, 1 to 255 (255: no limit). Server only.
  std::uint32_t max_instances = 255;
  /// Claims the name (FILE_FLAG_FIRST_PIPE_INSTANCE): the server fails with
  /// std::errc::permission_denied if an instance of the name exists already, rather than
  /// join a pipe that another process created, whose clients it would then serve and
  /// whose server would get its clients. It applies to the first instance a server makes:
  /// create_server, and the first of a NamedPipeListener's instances (the listener's
  /// later ones never claim). Set it false only to add an instance to a pipe you created
  /// already, e.g. a second create_server of the same name. Server only. Wine ignores it.
  bool first_instance = true;
  /// Refuse clients from other machines (PIPE_REJECT_REMOTE_CLIENTS). Server only.
  bool reject_remote_clients = true;
  /// Who may open the pipe: a security descriptor in SDDL, e.g. "D:P(A;;GA;;;SY)(A;;GA;;;BA)"
  /// (LocalSystem and administrators only). It must grant the server's own account
  /// FILE_CREATE_PIPE_INSTANCE (GA does) for a listener or a second create_server to add
  /// instances. Empty: Windows' default descriptor (full control for LocalSystem,
  /// administrators and the creator; read access for Everyone and anonymous), so a client
  /// of another account cannot open it for writing. A string Windows cannot parse:
  /// std::errc::invalid_argument, and nothing is created. Server only.
  std::string security_descriptor;
  /// How much one read from the kernel takes in (pollux's read buffer).
  std::size_t read_buffer_size = 16 * 1024;
  /// The most bytes pollux holds for writing; write() takes no more, and answers
  /// would-block while they are in flight. In message mode, the largest message.
  std::size_t write_buffer_size = 64 * 1024;
  /// Message mode: a message longer than the read buffer is gathered whole, up to this
  /// size; the parts of a longer one are delivered as read() describes.
  std::size_t max_message_size = 1024 * 1024;
};

/// One end of a named pipe, driven by overlapped I/O on the Poll's completion port and
/// reported as readiness, like mio's NamedPipe:
/// - writable once connected, and again after a write that answered would-block is done;
/// - readable when read data is buffered, at EOF (with is_read_closed: the other end is
///   gone, and read() returns 0 once the buffered data is consumed), or on an error.
/// Add it to a Registry before connect/read/write: the I/O needs the completion port.
/// A server reuses its instance with disconnect() then connect().
///
/// Threads: one thread at a time calls a NamedPipe's functions; Poll::poll may run on
/// another. Destroying it (or removing it) cancels its I/O and waits for the kernel to
/// let go of its buffers; it closes the handle on destruction.
class POLLUX_API NamedPipe {
 public:
  NamedPipe() noexcept;
  ///@{
  /// Movable, not copyable: the handle moves with it.
  NamedPipe(NamedPipe&&) noexcept;
  NamedPipe& operator=(NamedPipe&&) noexcept;
  ///@}
  ~NamedPipe();

  /// A new server instance of `name` (UTF-8, `\\.\pipe\...`), not yet connected.
  static NamedPipe create_server(std::string_view name,
                                 const NamedPipeOptions& options,
                                 std::error_code& ec);
  /// The client end, in one try: a pipe with no free instance fails with
  /// std::errc::device_or_resource_busy, one that does not exist with
  /// std::errc::no_such_file_or_directory. Only mode and the pollux buffer sizes apply.
  static NamedPipe open_client(std::string_view name,
                               const NamedPipeOptions& options,
                               std::error_code& ec);
  /// Like open_client, but retries while the pipe is busy or not there yet (a server
  /// between two instances), until `timeout` has passed: then std::errc::timed_out.
  static NamedPipe connect_client(std::string_view name,
                                  const NamedPipeOptions& options,
                                  std::chrono::milliseconds timeout,
                                  std::error_code& ec);
  /// Adopts a connected server instance whose handle is already bound to a Poll (as
  /// win::NamedPipeListener hands them out); used by the listener.
  static NamedPipe adopt_server(Binding&& binding, const NamedPipeOptions& options);
  /// Takes over a pipe HANDLE opened elsewhere (CreateNamedPipeW, CreateFileW, inherited),
  /// either end, as mio's FromRawHandle does: the NamedPipe closes it when destroyed. It
  /// must be opened for overlapped I/O (FILE_FLAG_OVERLAPPED), not bound to a completion
  /// port yet, and its read mode must be `options.mode` (PIPE_READMODE_MESSAGE for
  /// PipeMode::message). Only the pollux buffer sizes of `options` apply. A server end
  /// starts unconnected: connect() answers at once when a client is there already.
  /// Errors, on which the handle stays the caller's: a null or invalid handle:
  /// bad_file_descriptor; not a pipe, a handle for synchronous I/O (its reads would
  /// block the polling thread), or a read mode other than `options.mode`:
  /// invalid_argument.
  static NamedPipe from_raw_handle(void* handle, const NamedPipeOptions& options, std::error_code& ec);

  /// False for an empty NamedPipe (default-made, moved from, or failed to open).
  bool is_open() const noexcept;
  /// The pipe's HANDLE.
  void* handle() const noexcept;

  ///@{
  /// The Source hooks behind Registry::add, modify and remove: call those.
  [[nodiscard]] std::error_code add_to(const Registry& registry, Token token, Interest interest);
  [[nodiscard]] std::error_code modify_in(const Registry& registry, Token token, Interest interest);
  [[nodiscard]] std::error_code remove_from(const Registry& registry);
  ///@}

  /// Server: waits for a client. Empty when connected now (also when a client came before
  /// this call); std::errc::operation_would_block while waiting, after which a writable
  /// event says the client is there. Before add: std::errc::no_such_file_or_directory.
  /// On a client end: std::errc::operation_not_supported.
  [[nodiscard]] std::error_code connect();
  /// Server: ends the connection (DisconnectNamedPipe), dropping buffered data, so that
  /// connect() can wait for the next client.
  [[nodiscard]] std::error_code disconnect();

  /// The error that the pipe's I/O in the background met (a read, write or connect that
  /// failed, which readiness reported with is_error()), and clears it, as TcpStream's
  /// take_error reads SO_ERROR; empty when there is none. The other end closing is not
  /// an error (read() returns 0), but a write after it is. ec: the pipe is not open
  /// (bad_file_descriptor).
  std::error_code take_error(std::error_code& ec);

  /// Copies buffered read data into `buffer`. 0 with no error is EOF; would-block when
  /// nothing is buffered yet. Message mode: one call returns bytes of one message only;
  /// when more of the same message follows (it did not fit in `size`, or it is longer than
  /// max_message_size), the call returns what it copied and sets ec to
  /// std::errc::message_size, and the next calls return the rest. Zero-byte messages are
  /// not delivered (a 0 would read as EOF). A `size` of 0: std::errc::invalid_argument.
  std::size_t read(void* buffer, std::size_t size, std::error_code& ec);
  /// Takes up to write_buffer_size bytes into pollux's write buffer and starts writing
  /// them; would-block while an earlier write is in flight. Message mode: the whole
  /// message or nothing (longer than write_buffer_size: std::errc::message_size). The
  /// other end gone: the OS error (ERROR_NO_DATA, which compares equal to broken_pipe).
  std::size_t write(const void* data, std::size_t size, std::error_code& ec);

  ///@{
  /// The same, over spans, as net::TcpStream spells them.
  std::size_t read(std::span<std::byte> buffer, std::error_code& ec) {
    return read(buffer.data(), buffer.size(), ec);
  }
  std::size_t write(std::span<const std::byte> data, std::error_code& ec) {
    return write(data.data(), data.size(), ec);
  }
  ///@}

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace pollux::win
