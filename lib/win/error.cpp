// SPDX-License-Identifier: MIT
// windows_category(): Windows error values, compared with std::errc.

#include "error.hpp"

#include <string>

namespace pollux::inline POLLUX_ABI()::sys {

namespace {

std::errc to_errc(int code, bool& known) noexcept {
  known = true;
  switch (code) {
    case WSAEWOULDBLOCK: return std::errc::operation_would_block;
    case WSAEINPROGRESS: return std::errc::operation_in_progress;
    case WSAEALREADY: return std::errc::connection_already_in_progress;
    // What Winsock says of a closed socket, where POSIX says EBADF of a closed fd.
    case WSAENOTSOCK: return std::errc::bad_file_descriptor;
    case WSAEDESTADDRREQ: return std::errc::destination_address_required;
    case WSAEMSGSIZE: return std::errc::message_size;
    case WSAEPROTOTYPE: return std::errc::wrong_protocol_type;
    case WSAENOPROTOOPT: return std::errc::no_protocol_option;
    case WSAEPROTONOSUPPORT: return std::errc::protocol_not_supported;
    case WSAESOCKTNOSUPPORT: return std::errc::protocol_not_supported;
    case WSAEOPNOTSUPP: return std::errc::operation_not_supported;
    case WSAEPFNOSUPPORT: return std::errc::address_family_not_supported;
    case WSAEAFNOSUPPORT: return std::errc::address_family_not_supported;
    case WSAEADDRINUSE: return std::errc::address_in_use;
    case WSAEADDRNOTAVAIL: return std::errc::address_not_available;
    case WSAENETDOWN: return std::errc::network_down;
    case WSAENETUNREACH: return std::errc::network_unreachable;
    case WSAENETRESET: return std::errc::network_reset;
    case WSAECONNABORTED: return std::errc::connection_aborted;
    case WSAECONNRESET: return std::errc::connection_reset;
    case WSAENOBUFS: return std::errc::no_buffer_space;
    case WSAEISCONN: return std::errc::already_connected;
    case WSAENOTCONN: return std::errc::not_connected;
    // Sending after shutdown(SD_SEND): POSIX says EPIPE.
    case WSAESHUTDOWN: return std::errc::broken_pipe;
    case WSAETIMEDOUT: return std::errc::timed_out;
    case WSAECONNREFUSED: return std::errc::connection_refused;
    case WSAEHOSTUNREACH: return std::errc::host_unreachable;
    case WSAEHOSTDOWN: return std::errc::host_unreachable;
    case WSAEINTR: return std::errc::interrupted;
    case WSAEBADF: return std::errc::bad_file_descriptor;
    case WSAEACCES: return std::errc::permission_denied;
    case WSAEFAULT: return std::errc::bad_address;
    case WSAEINVAL: return std::errc::invalid_argument;
    case WSAEMFILE: return std::errc::too_many_files_open;
    case WSAENAMETOOLONG: return std::errc::filename_too_long;
    case WSAELOOP: return std::errc::too_many_symbolic_link_levels;
    case WSAENOTEMPTY: return std::errc::directory_not_empty;
    case ERROR_INVALID_HANDLE: return std::errc::bad_file_descriptor;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY: return std::errc::not_enough_memory;
    case ERROR_ACCESS_DENIED: return std::errc::permission_denied;
    case ERROR_INVALID_PARAMETER: return std::errc::invalid_argument;
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND: return std::errc::no_such_file_or_directory;
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS: return std::errc::file_exists;
    case ERROR_TOO_MANY_OPEN_FILES: return std::errc::too_many_files_open;
    case ERROR_BROKEN_PIPE:
    case ERROR_NO_DATA: return std::errc::broken_pipe;
    case ERROR_PIPE_BUSY: return std::errc::device_or_resource_busy;
    case ERROR_OPERATION_ABORTED: return std::errc::operation_canceled;
    case ERROR_NOT_SUPPORTED: return std::errc::not_supported;
    case ERROR_INSUFFICIENT_BUFFER: return std::errc::no_buffer_space;
    case WAIT_TIMEOUT:
    case ERROR_TIMEOUT:
    case ERROR_SEM_TIMEOUT: return std::errc::timed_out;
    case ERROR_NETNAME_DELETED: return std::errc::connection_reset;
    case ERROR_CONNECTION_REFUSED: return std::errc::connection_refused;
    case ERROR_CONNECTION_ABORTED: return std::errc::connection_aborted;
    case ERROR_NETWORK_UNREACHABLE: return std::errc::network_unreachable;
    case ERROR_HOST_UNREACHABLE: return std::errc::host_unreachable;
    default: known = false; return {};
  }
}

class WindowsCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "windows"; }

  std::string message(int code) const override {
    char* text = nullptr;
    DWORD n = FormatMessageA(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                                 FORMAT_MESSAGE_IGNORE_INSERTS,
                             nullptr, static_cast<DWORD>(code), 0,
                             reinterpret_cast<char*>(&text), 0, nullptr);
    std::string result;
    if (n != 0 && text != nullptr) {
      result.assign(text, n);
      while (!result.empty() && (result.back() == '\n' || result.back() == '\r' ||
                                 result.back() == ' ' || result.back() == '.')) {
        result.pop_back();
      }
    }
    if (text != nullptr) LocalFree(text);
    if (result.empty()) result = "Windows error " + std::to_string(code);
    return result;
  }

  std::error_condition default_error_condition(int code) const noexcept override {
    bool known = false;
    std::errc e = to_errc(code, known);
    if (known) return std::make_error_condition(e);
    return {code, *this};
  }
};

}  // namespace

const std::error_category& windows_category() noexcept {
  static const WindowsCategory category;
  return category;
}

std::error_code nt_error(nt::NtStatus status) noexcept {
  return win_error(nt::RtlNtStatusToDosError(status));
}

}  // namespace pollux::sys
