// SPDX-License-Identifier: MIT
// Opening named pipes: server instances, clients, and the client's retrying connect.

#include <chrono>

#include "error.hpp"
#include "named_pipe_state.hpp"
#include "nt.hpp"

namespace pollux::inline POLLUX_ABI()::win {

namespace detail {

std::wstring widen(std::string_view text, std::error_code& ec) {
  ec.clear();
  if (text.empty() || text.size() > 0x7fffffff) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return {};
  }
  const int size = static_cast<int>(text.size());
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(), size, nullptr, 0);
  if (n <= 0) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return {};
  }
  std::wstring wide(static_cast<std::size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(), size, wide.data(), n);
  // A NUL inside would silently cut the name short.
  if (wide.find(L'\0') != std::wstring::npos) ec = std::make_error_code(std::errc::invalid_argument);
  return wide;
}

std::error_code check(const NamedPipeOptions& options) noexcept {
  if (options.read_buffer_size == 0 || options.read_buffer_size > 0x7fffffff ||
      options.write_buffer_size == 0 || options.write_buffer_size > 0x7fffffff ||
      options.max_instances == 0 || options.max_instances > PIPE_UNLIMITED_INSTANCES) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  return {};
}

void LocalFreeDeleter::operator()(void* p) const noexcept {
  if (p != nullptr) LocalFree(p);
}

SecurityDescriptor security_descriptor(const NamedPipeOptions& options, std::error_code& ec) {
  ec.clear();
  if (options.security_descriptor.empty()) return {};
  auto wide = widen(options.security_descriptor, ec);
  if (ec) return {};
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(wide.c_str(), SDDL_REVISION_1, &sd,
                                                            nullptr)) {
    // Windows answers ERROR_INVALID_PARAMETER, or a more specific code for some mistakes
    // (ERROR_INVALID_ACL, ERROR_NONE_MAPPED for an unknown account name): all mean the
    // string is wrong.
    ec = GetLastError() == ERROR_NOT_ENOUGH_MEMORY
             ? std::make_error_code(std::errc::not_enough_memory)
             : std::make_error_code(std::errc::invalid_argument);
    return {};
  }
  return SecurityDescriptor(sd);
}

HANDLE create_instance(const std::wstring& name,
                       const NamedPipeOptions& options,
                       bool first,
                       void* descriptor,
                       std::error_code& ec) noexcept {
  DWORD open_mode = PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED;
  if (first) open_mode |= FILE_FLAG_FIRST_PIPE_INSTANCE;
  DWORD pipe_mode = PIPE_WAIT;
  pipe_mode |= options.mode == PipeMode::message ? PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE
                                                 : PIPE_TYPE_BYTE | PIPE_READMODE_BYTE;
  if (options.reject_remote_clients) pipe_mode |= PIPE_REJECT_REMOTE_CLIENTS;
  // Not inheritable, as with no attributes at all.
  SECURITY_ATTRIBUTES attributes{sizeof attributes, descriptor, FALSE};
  HANDLE h = CreateNamedPipeW(name.c_str(), open_mode, pipe_mode, options.max_instances,
                              options.out_buffer_size, options.in_buffer_size, 0,
                              descriptor != nullptr ? &attributes : nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    ec = sys::win_error();
    return INVALID_HANDLE_VALUE;
  }
  ec.clear();
  return h;
}

}  // namespace detail

NamedPipe NamedPipe::create_server(std::string_view name,
                                   const NamedPipeOptions& options,
                                   std::error_code& ec) {
  if ((ec = detail::check(options))) return {};
  auto wide = detail::widen(name, ec);
  if (ec) return {};
  auto descriptor = detail::security_descriptor(options, ec);
  if (ec) return {};
  HANDLE h = detail::create_instance(wide, options, options.first_instance, descriptor.get(), ec);
  if (ec) return {};
  NamedPipe pipe;
  try {
    pipe.state_ = std::make_unique<State>(h, true, options);
  } catch (const std::bad_alloc&) {
    CloseHandle(h);
    ec = std::make_error_code(std::errc::not_enough_memory);
  }
  return pipe;
}

NamedPipe NamedPipe::open_client(std::string_view name,
                                 const NamedPipeOptions& options,
                                 std::error_code& ec) {
  if ((ec = detail::check(options))) return {};
  auto wide = detail::widen(name, ec);
  if (ec) return {};
  // SECURITY_IDENTIFICATION: the server may learn who we are, not act as us.
  HANDLE h = CreateFileW(wide.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                         FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION,
                         nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    ec = sys::win_error();
    return {};
  }
  if (options.mode == PipeMode::message) {
    DWORD mode = PIPE_READMODE_MESSAGE;
    if (!SetNamedPipeHandleState(h, &mode, nullptr, nullptr)) {
      ec = sys::win_error();
      CloseHandle(h);
      return {};
    }
  }
  NamedPipe pipe;
  try {
    pipe.state_ = std::make_unique<State>(h, false, options);
    pipe.state_->connected = true;
  } catch (const std::bad_alloc&) {
    CloseHandle(h);
    ec = std::make_error_code(std::errc::not_enough_memory);
  }
  return pipe;
}

namespace {

// Whether `h` was opened for overlapped I/O: the I/O manager records synchronous mode
// as FILE_SYNCHRONOUS_IO_(NON)ALERT in the handle's FileModeInformation.
std::error_code check_overlapped(HANDLE h) noexcept {
  constexpr ULONG kFileModeInformation = 16;
  constexpr ULONG kSynchronousIo = 0x00000010 | 0x00000020;
  if (auto ec = sys::nt::init()) return ec;
  sys::nt::IoStatusBlock iosb{};
  ULONG mode = 0;
  const auto status = sys::nt::NtQueryInformationFile(h, &iosb, &mode, sizeof mode, kFileModeInformation);
  if (!sys::nt::succeeded(status)) return sys::win_error(sys::nt::RtlNtStatusToDosError(status));
  if ((mode & kSynchronousIo) != 0) return std::make_error_code(std::errc::invalid_argument);
  return {};
}

}  // namespace

NamedPipe NamedPipe::from_raw_handle(void* handle, const NamedPipeOptions& options, std::error_code& ec) {
  if ((ec = detail::check(options))) return {};
  HANDLE h = handle;
  if (h == nullptr || h == INVALID_HANDLE_VALUE) {
    ec = std::make_error_code(std::errc::bad_file_descriptor);
    return {};
  }
  // GetNamedPipeInfo answers ERROR_INVALID_HANDLE for a closed handle and (under Wine)
  // for a live one of another kind alike; GetHandleInformation tells them apart.
  DWORD flags = 0;
  if (!GetHandleInformation(h, &flags)) {
    ec = std::make_error_code(std::errc::bad_file_descriptor);
    return {};
  }
  if (!GetNamedPipeInfo(h, &flags, nullptr, nullptr, nullptr)) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return {};
  }
  if ((ec = check_overlapped(h))) return {};
  DWORD state = 0;
  if (!GetNamedPipeHandleStateW(h, &state, nullptr, nullptr, nullptr, nullptr, 0)) {
    ec = sys::win_error();
    return {};
  }
  if (((state & PIPE_READMODE_MESSAGE) != 0) != (options.mode == PipeMode::message)) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return {};
  }
  const bool server = (flags & PIPE_SERVER_END) != 0;
  NamedPipe pipe;
  try {
    pipe.state_ = std::make_unique<State>(h, server, options);
    pipe.state_->connected = !server;
  } catch (const std::bad_alloc&) {
    ec = std::make_error_code(std::errc::not_enough_memory);
  }
  return pipe;
}

NamedPipe NamedPipe::connect_client(std::string_view name,
                                    const NamedPipeOptions& options,
                                    std::chrono::milliseconds timeout,
                                    std::error_code& ec) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::max(timeout, std::chrono::milliseconds(0));
  auto wide = detail::widen(name, ec);
  if (ec) return {};
  for (;;) {
    NamedPipe pipe = open_client(name, options, ec);
    if (!ec) return pipe;
    const bool busy = ec == sys::win_error(ERROR_PIPE_BUSY);
    const bool absent = ec == sys::win_error(ERROR_FILE_NOT_FOUND);
    if (!busy && !absent) return {};
    auto now = Clock::now();
    if (now >= deadline) {
      ec = std::make_error_code(std::errc::timed_out);
      return {};
    }
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    if (busy) {
      // Returns when an instance is free, which another client may take first: retry.
      WaitNamedPipeW(wide.c_str(), static_cast<DWORD>(std::max<long long>(left, 1)));
    } else {
      // Between two server instances the name does not exist: look again shortly.
      Sleep(static_cast<DWORD>(std::min<long long>(left, 2)));
    }
  }
}

}  // namespace pollux::win
