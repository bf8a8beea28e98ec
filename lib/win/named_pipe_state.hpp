// SPDX-License-Identifier: MIT
#pragma once
// The state behind a win::NamedPipe (named_pipe.cpp), and the helpers the files that open
// pipes share (named_pipe_open.cpp, named_pipe_listener.cpp).

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <pollux/win/binding.hpp>
#include <pollux/win/named_pipe.hpp>

#include "win.hpp"

namespace pollux::inline POLLUX_ABI()::win {

struct NamedPipe::State {
  // Copies the options: may throw std::bad_alloc (a security_descriptor string).
  State(HANDLE h, bool is_server, const NamedPipeOptions& o);
  // Cancels and drains the I/O before the buffers and Overlappeds below are freed.
  ~State();

  // Each locks `mutex`; returns the Event::Flag bits to report (Overlapped::Handler).
  static std::uint32_t on_connect(Overlapped&, std::uint32_t, std::uint32_t, void*) noexcept;
  static std::uint32_t on_read(Overlapped&, std::uint32_t, std::uint32_t, void*) noexcept;
  static std::uint32_t on_write(Overlapped&, std::uint32_t, std::uint32_t, void*) noexcept;
  static std::uint32_t on_notify(Overlapped&, std::uint32_t, std::uint32_t, void*) noexcept;

  // With `mutex` held. Each returns flags to report when it learnt something at once.
  std::uint32_t start_read_locked() noexcept;
  std::uint32_t issue_connect_locked(std::error_code& ec) noexcept;
  std::uint32_t mask_locked(std::uint32_t flags) const noexcept;
  // Connected outside a completion (a client added, a connect that found its client):
  // says "writable" through the port, as a completion would have.
  void notify_writable_locked() noexcept;

  HANDLE handle;
  const bool server;
  NamedPipeOptions options;
  Binding binding;
  // A listener's instance: bound already, under the listener's token until added.
  bool adopted = false;

  std::mutex mutex;
  Interest interest = Interest::readable | Interest::writable;
  // Bumped by disconnect(): completions of operations started before belong to the old
  // client and are only bookkept.
  std::uint64_t generation = 0;
  Overlapped connect_ov{&on_connect, this};
  Overlapped read_ov{&on_read, this};
  Overlapped write_ov{&on_write, this};
  Overlapped notify_ov{&on_notify, this};
  std::uint64_t connect_gen = 0, read_gen = 0, write_gen = 0;
  bool connect_pending = false, read_pending = false, write_pending = false;
  // Asked to connect while the old connect_ov was still in flight.
  bool want_connect = false;
  bool connecting = false;
  bool connected = false;

  std::vector<std::byte> rbuf;
  std::size_t rpos = 0, rlen = 0;
  // Message mode: whether rbuf's data ends where a message ends.
  bool message_done = true;
  bool eof = false;
  std::error_code read_error;

  std::vector<std::byte> wbuf;
  std::size_t wlen = 0, wdone = 0;
  std::error_code write_error;
};

namespace detail {
/// UTF-8 to UTF-16 for the W functions; invalid_argument for bad UTF-8 or an empty name.
std::wstring widen(std::string_view text, std::error_code& ec);
/// Options that cannot work (zero buffers, instances outside 1..255): invalid_argument.
std::error_code check(const NamedPipeOptions& options) noexcept;
struct LocalFreeDeleter {
  void operator()(void* p) const noexcept;
};
/// A security descriptor in the form CreateNamedPipeW takes; empty for the default one.
using SecurityDescriptor = std::unique_ptr<void, LocalFreeDeleter>;
/// Parses options.security_descriptor (SDDL); empty when the string is. A string Windows
/// cannot parse: invalid_argument.
SecurityDescriptor security_descriptor(const NamedPipeOptions& options, std::error_code& ec);
/// CreateNamedPipeW for a server instance, FILE_FLAG_FIRST_PIPE_INSTANCE only if `first`,
/// with `descriptor` (may be null) as its security descriptor.
HANDLE create_instance(const std::wstring& name,
                       const NamedPipeOptions& options,
                       bool first,
                       void* descriptor,
                       std::error_code& ec) noexcept;
}  // namespace detail

}  // namespace pollux::win
