// SPDX-License-Identifier: MIT
// win::NamedPipe: overlapped connect/read/write on a bound pipe, turned into readiness.
//
// At most one operation of each kind is in flight, each with its own Overlapped, whose
// Handler (run inside poll) updates the state and says what to report. Reads go into
// pollux's buffer and are handed out by read(); writes go out of pollux's bounded buffer.

#include <algorithm>
#include <cstring>
#include <new>

#include <pollux/event.hpp>
#include <pollux/poll.hpp>

#include "error.hpp"
#include "named_pipe_state.hpp"

namespace pollux::inline POLLUX_ABI()::win {

namespace {

std::error_code errc(std::errc e) { return std::make_error_code(e); }

// The other end has gone: what reads answer then, instead of data.
bool is_eof(DWORD error) noexcept {
  return error == ERROR_BROKEN_PIPE || error == ERROR_PIPE_NOT_CONNECTED || error == ERROR_NO_DATA;
}

bool is_eof(const std::error_code& ec) noexcept {
  return ec.category() == sys::windows_category() && is_eof(static_cast<DWORD>(ec.value()));
}

NamedPipe::State& state_of(void* context) noexcept {
  // Safety: every Overlapped of a State is created with that State as its context.
  return *static_cast<NamedPipe::State*>(context);
}

}  // namespace

NamedPipe::State::State(HANDLE h, bool is_server, const NamedPipeOptions& o)
    : handle(h), server(is_server), options(o), binding(h) {
  options.max_message_size = std::max(options.max_message_size, options.read_buffer_size);
}

NamedPipe::State::~State() {
  binding = Binding();
  if (handle != INVALID_HANDLE_VALUE) CloseHandle(handle);
}

std::uint32_t NamedPipe::State::mask_locked(std::uint32_t flags) const noexcept {
  if (!interest.is_readable()) flags &= ~(Event::kReadable | Event::kReadClosed);
  if (!interest.is_writable()) flags &= ~(Event::kWritable | Event::kWriteClosed);
  return flags;
}

std::uint32_t NamedPipe::State::start_read_locked() noexcept {
  if (read_pending || !connected || eof || read_error || !binding.is_added()) return 0;
  // Byte mode reads only into an empty buffer; message mode appends the rest of a message.
  if (message_done && rpos == rlen) rpos = rlen = 0;
  if (rpos != 0) return 0;
  const std::size_t chunk = options.read_buffer_size;
  try {
    if (rbuf.size() < rlen + chunk) rbuf.resize(rlen + chunk);
  } catch (const std::bad_alloc&) {
    read_error = errc(std::errc::not_enough_memory);
    return Event::kReadable | Event::kError;
  }
  std::error_code ec;
  auto* target = rbuf.data() + rlen;
  auto r = binding.submit(read_ov, [&](void* h, _OVERLAPPED* ov) {
    return ReadFile(h, target, static_cast<DWORD>(chunk), nullptr, reinterpret_cast<OVERLAPPED*>(ov));
  }, ec);
  if (r == Submitted::pending) {
    read_pending = true;
    read_gen = generation;
    return 0;
  }
  if (is_eof(ec)) {
    eof = true;
    return Event::kReadable | Event::kReadClosed;
  }
  read_error = ec;
  return Event::kReadable | Event::kError;
}

std::uint32_t NamedPipe::State::on_read(Overlapped&, std::uint32_t bytes, std::uint32_t status, void* context) noexcept {
  auto& s = state_of(context);
  std::lock_guard lock(s.mutex);
  s.read_pending = false;
  if (s.read_gen != s.generation) return s.mask_locked(s.start_read_locked());
  switch (status) {
    case ERROR_SUCCESS:
      s.rlen += bytes;
      s.message_done = true;
      // A zero-byte read (or message) says nothing: read again.
      if (s.rlen == s.rpos) return s.mask_locked(s.start_read_locked());
      return s.mask_locked(Event::kReadable);
    case ERROR_MORE_DATA:
      s.rlen += bytes;
      s.message_done = false;
      // Gather the message whole while it fits; past that, hand out the part (read()
      // says it is one) and gather the rest after it is consumed.
      if (s.rlen + s.options.read_buffer_size <= s.options.max_message_size) {
        return s.mask_locked(s.start_read_locked());
      }
      return s.mask_locked(Event::kReadable);
    case ERROR_OPERATION_ABORTED:
      return 0;
    default:
      if (is_eof(status)) {
        s.eof = true;
        return s.mask_locked(Event::kReadable | Event::kReadClosed);
      }
      s.read_error = status_code(status);
      return s.mask_locked(Event::kReadable | Event::kError);
  }
}

std::uint32_t NamedPipe::State::on_write(Overlapped&, std::uint32_t bytes, std::uint32_t status, void* context) noexcept {
  auto& s = state_of(context);
  std::lock_guard lock(s.mutex);
  s.write_pending = false;
  if (s.write_gen != s.generation) return s.connected ? s.mask_locked(Event::kWritable) : 0;
  if (status == ERROR_OPERATION_ABORTED) return 0;
  if (status != ERROR_SUCCESS) {
    s.write_error = status_code(status);
    return s.mask_locked(Event::kWritable | Event::kError);
  }
  s.wdone += bytes;
  if (s.wdone < s.wlen) {
    // A short overlapped write (not seen with pipes in practice): send the rest.
    std::error_code ec;
    auto* rest = s.wbuf.data() + s.wdone;
    auto left = static_cast<DWORD>(s.wlen - s.wdone);
    auto r = s.binding.submit(s.write_ov, [&](void* h, _OVERLAPPED* ov) {
      return WriteFile(h, rest, left, nullptr, reinterpret_cast<OVERLAPPED*>(ov));
    }, ec);
    if (r == Submitted::pending) {
      s.write_pending = true;
      return 0;
    }
    s.write_error = ec;
    return s.mask_locked(Event::kWritable | Event::kError);
  }
  s.wlen = s.wdone = 0;
  return s.mask_locked(Event::kWritable);
}

std::uint32_t NamedPipe::State::on_notify(Overlapped&, std::uint32_t, std::uint32_t, void* context) noexcept {
  auto& s = state_of(context);
  std::lock_guard lock(s.mutex);
  return s.connected && !s.write_pending ? s.mask_locked(Event::kWritable) : 0;
}

void NamedPipe::State::notify_writable_locked() noexcept {
  // Still pending from an earlier notice: that one will say it.
  if (!interest.is_writable()) return;
  (void)binding.post(notify_ov);
}

std::uint32_t NamedPipe::State::issue_connect_locked(std::error_code& ec) noexcept {
  auto r = binding.submit(connect_ov, [](void* h, _OVERLAPPED* ov) {
    return ConnectNamedPipe(h, reinterpret_cast<OVERLAPPED*>(ov));
  }, ec);
  if (r == Submitted::pending) {
    connect_pending = true;
    connecting = true;
    connect_gen = generation;
    ec = errc(std::errc::operation_would_block);
    return 0;
  }
  // A client that came between CreateNamedPipe and now: connected, and no completion.
  if (ec == sys::win_error(ERROR_PIPE_CONNECTED)) {
    ec.clear();
    connected = true;
    connecting = false;
    return Event::kWritable | start_read_locked();
  }
  connecting = false;
  return 0;
}

std::uint32_t NamedPipe::State::on_connect(Overlapped&, std::uint32_t, std::uint32_t status, void* context) noexcept {
  auto& s = state_of(context);
  std::lock_guard lock(s.mutex);
  s.connect_pending = false;
  if (s.connect_gen != s.generation) {
    if (!s.want_connect) return 0;
    s.want_connect = false;
    std::error_code ec;
    std::uint32_t flags = s.issue_connect_locked(ec);
    if (ec && ec != std::errc::operation_would_block) {
      s.write_error = ec;
      flags |= Event::kWritable | Event::kError;
    }
    return s.mask_locked(flags);
  }
  s.connecting = false;
  if (status == ERROR_OPERATION_ABORTED) return 0;
  if (status != ERROR_SUCCESS) {
    s.write_error = status_code(status);
    return s.mask_locked(Event::kWritable | Event::kError);
  }
  s.connected = true;
  return s.mask_locked(Event::kWritable | s.start_read_locked());
}

NamedPipe::NamedPipe() noexcept = default;
NamedPipe::NamedPipe(NamedPipe&&) noexcept = default;
NamedPipe& NamedPipe::operator=(NamedPipe&&) noexcept = default;
NamedPipe::~NamedPipe() = default;

bool NamedPipe::is_open() const noexcept { return state_ && state_->handle != INVALID_HANDLE_VALUE; }
void* NamedPipe::handle() const noexcept { return state_ ? state_->handle : INVALID_HANDLE_VALUE; }

std::error_code NamedPipe::take_error(std::error_code& ec) {
  ec.clear();
  if (!is_open()) {
    ec = errc(std::errc::bad_file_descriptor);
    return {};
  }
  std::lock_guard lock(state_->mutex);
  if (state_->write_error) return std::exchange(state_->write_error, {});
  return std::exchange(state_->read_error, {});
}

NamedPipe NamedPipe::adopt_server(Binding&& binding, const NamedPipeOptions& options) {
  NamedPipe pipe;
  pipe.state_ = std::make_unique<State>(binding.handle(), true, options);
  pipe.state_->binding = std::move(binding);
  pipe.state_->adopted = true;
  pipe.state_->connected = true;
  return pipe;
}

std::error_code NamedPipe::add_to(const Registry& registry, Token token, Interest interest) {
  if (!is_open()) return errc(std::errc::bad_file_descriptor);
  auto& s = *state_;
  if (s.adopted) {
    // Bound by the listener: only the token changes, and only within its Poll.
    if (auto ec = s.binding.modify_in(registry, token, interest)) return errc(std::errc::file_exists);
    s.adopted = false;
  } else if (auto ec = s.binding.add_to(registry, token, interest)) {
    return ec;
  }
  std::lock_guard lock(s.mutex);
  s.interest = interest;
  // A client is connected from the start; so is an adopted instance. Errors found here
  // are reported by read().
  if (s.connected) s.notify_writable_locked();
  s.start_read_locked();
  return {};
}

std::error_code NamedPipe::modify_in(const Registry& registry, Token token, Interest interest) {
  if (!is_open()) return errc(std::errc::bad_file_descriptor);
  if (state_->adopted) return errc(std::errc::no_such_file_or_directory);
  if (auto ec = state_->binding.modify_in(registry, token, interest)) return ec;
  std::lock_guard lock(state_->mutex);
  state_->interest = interest;
  return {};
}

std::error_code NamedPipe::remove_from(const Registry& registry) {
  if (!is_open()) return errc(std::errc::bad_file_descriptor);
  if (state_->adopted) return errc(std::errc::no_such_file_or_directory);
  // Not under `mutex`: removal waits for a Handler in progress, which takes it.
  if (auto ec = state_->binding.remove_from(registry)) return ec;
  std::lock_guard lock(state_->mutex);
  // Cancelled and drained: nothing is in flight any more.
  auto& s = *state_;
  s.read_pending = s.write_pending = s.connect_pending = false;
  s.connecting = s.want_connect = false;
  if (s.message_done && s.rpos == s.rlen) s.rpos = s.rlen = 0;
  s.wlen = s.wdone = 0;
  return {};
}

std::error_code NamedPipe::connect() {
  if (!is_open()) return errc(std::errc::bad_file_descriptor);
  auto& s = *state_;
  if (!s.server) return errc(std::errc::operation_not_supported);
  std::lock_guard lock(s.mutex);
  if (s.connected) return {};
  if (s.connecting) return errc(std::errc::operation_would_block);
  if (!s.binding.is_added()) return errc(std::errc::no_such_file_or_directory);
  if (s.connect_pending) {
    // The previous client's connect has not come back from the port yet.
    s.want_connect = true;
    s.connecting = true;
    return errc(std::errc::operation_would_block);
  }
  std::error_code ec;
  s.issue_connect_locked(ec);
  if (!ec) s.notify_writable_locked();
  return ec;
}

std::error_code NamedPipe::disconnect() {
  if (!is_open()) return errc(std::errc::bad_file_descriptor);
  auto& s = *state_;
  if (!s.server) return errc(std::errc::operation_not_supported);
  std::lock_guard lock(s.mutex);
  // Their completions come back as stale (older generation) and are only bookkept.
  if (s.read_pending) (void)s.binding.cancel(s.read_ov);
  if (s.write_pending) (void)s.binding.cancel(s.write_ov);
  if (s.connect_pending) (void)s.binding.cancel(s.connect_ov);
  if (!DisconnectNamedPipe(s.handle)) {
    // No client yet (still listening, or its connect was just cancelled): nothing to end.
    const DWORD error = GetLastError();
    if (error != ERROR_PIPE_NOT_CONNECTED && error != ERROR_PIPE_LISTENING) return sys::win_error(error);
  }
  ++s.generation;
  s.connected = s.connecting = s.want_connect = false;
  s.eof = false;
  s.read_error.clear();
  s.write_error.clear();
  s.rpos = s.rlen = 0;
  s.message_done = true;
  s.wlen = s.wdone = 0;
  return {};
}

std::size_t NamedPipe::read(void* buffer, std::size_t size, std::error_code& ec) {
  ec.clear();
  if (!is_open()) {
    ec = errc(std::errc::bad_file_descriptor);
    return 0;
  }
  if (size == 0) {
    ec = errc(std::errc::invalid_argument);
    return 0;
  }
  auto& s = *state_;
  std::lock_guard lock(s.mutex);
  // Data is there unless a read is still gathering the rest of a message into it.
  if (s.rpos < s.rlen && !s.read_pending) {
    std::size_t n = std::min(size, s.rlen - s.rpos);
    std::memcpy(buffer, s.rbuf.data() + s.rpos, n);
    s.rpos += n;
    const bool more_of_message =
        s.options.mode == PipeMode::message && (s.rpos < s.rlen || !s.message_done);
    if (s.rpos == s.rlen) {
      s.rpos = s.rlen = 0;
      s.start_read_locked();
    }
    if (more_of_message) ec = errc(std::errc::message_size);
    return n;
  }
  if (s.eof) return 0;
  if (s.read_error) {
    ec = s.read_error;
    return 0;
  }
  if (s.start_read_locked() != 0 && s.eof) return 0;
  ec = s.read_error ? s.read_error : errc(std::errc::operation_would_block);
  return 0;
}

std::size_t NamedPipe::write(const void* data, std::size_t size, std::error_code& ec) {
  ec.clear();
  if (!is_open()) {
    ec = errc(std::errc::bad_file_descriptor);
    return 0;
  }
  auto& s = *state_;
  std::lock_guard lock(s.mutex);
  if (s.write_error) {
    ec = s.write_error;
    return 0;
  }
  if (!s.binding.is_added() || s.adopted) {
    ec = errc(std::errc::no_such_file_or_directory);
    return 0;
  }
  if (!s.connected) {
    ec = errc(s.connecting ? std::errc::operation_would_block : std::errc::not_connected);
    return 0;
  }
  if (s.write_pending) {
    ec = errc(std::errc::operation_would_block);
    return 0;
  }
  if (size == 0) return 0;
  std::size_t n = std::min(size, s.options.write_buffer_size);
  if (s.options.mode == PipeMode::message && n < size) {
    ec = errc(std::errc::message_size);
    return 0;
  }
  try {
    if (s.wbuf.size() < n) s.wbuf.resize(s.options.write_buffer_size);
  } catch (const std::bad_alloc&) {
    ec = errc(std::errc::not_enough_memory);
    return 0;
  }
  std::memcpy(s.wbuf.data(), data, n);
  s.wlen = n;
  s.wdone = 0;
  auto* out = s.wbuf.data();
  auto r = s.binding.submit(s.write_ov, [&](void* h, _OVERLAPPED* ov) {
    return WriteFile(h, out, static_cast<DWORD>(n), nullptr, reinterpret_cast<OVERLAPPED*>(ov));
  }, ec);
  if (r == Submitted::pending) {
    s.write_pending = true;
    s.write_gen = s.generation;
    return n;
  }
  s.wlen = 0;
  // The other end is gone: every later write would fail the same way.
  if (is_eof(ec)) s.write_error = ec;
  return 0;
}

}  // namespace pollux::win
