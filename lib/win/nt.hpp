// SPDX-License-Identifier: MIT
#pragma once
// The ntdll functions and types that AFD polling and win::Binding need. They are not in the import
// libraries the SDK promises, so they are resolved once, at run time, through
// GetProcAddress (ntdll is mapped into every process).

#include <system_error>

#include "win.hpp"

namespace pollux::inline POLLUX_ABI()::sys::nt {

using NtStatus = LONG;

inline constexpr NtStatus kStatusSuccess = 0;
inline constexpr NtStatus kStatusPending = 0x00000103;
inline constexpr NtStatus kStatusCancelled = static_cast<NtStatus>(0xC0000120);
inline constexpr NtStatus kStatusNotFound = static_cast<NtStatus>(0xC0000225);

// NT_SUCCESS: success and informational codes have the top bit clear.
constexpr bool succeeded(NtStatus status) noexcept { return status >= 0; }

// Layouts as ntdll defines them (wdm.h); own names, so as not to clash with winternl.h.
struct IoStatusBlock {
  union {
    NtStatus status;
    void* pointer;
  };
  ULONG_PTR information;
};

struct UnicodeString {
  USHORT length;
  USHORT maximum_length;
  const WCHAR* buffer;
};

struct ObjectAttributes {
  ULONG length;
  HANDLE root_directory;
  const UnicodeString* object_name;
  ULONG attributes;
  void* security_descriptor;
  void* security_quality_of_service;
};

using IoApcRoutine = void(NTAPI*)(void* context, IoStatusBlock* iosb, ULONG reserved);

// X(return type, name, parameter list): one line per import, resolved together.
#define POLLUX_NT_IMPORTS(X)                                                              \
  X(NtStatus, NtCancelIoFileEx, (HANDLE file, IoStatusBlock* request, IoStatusBlock* iosb)) \
  X(NtStatus, NtCreateFile,                                                                 \
    (HANDLE* file, ACCESS_MASK access, ObjectAttributes* attributes, IoStatusBlock* iosb,   \
     LARGE_INTEGER* allocation_size, ULONG file_attributes, ULONG share_access,             \
     ULONG create_disposition, ULONG create_options, void* ea_buffer, ULONG ea_length))     \
  X(NtStatus, NtDeviceIoControlFile,                                                        \
    (HANDLE file, HANDLE event, IoApcRoutine apc, void* apc_context, IoStatusBlock* iosb,   \
     ULONG code, void* in, ULONG in_size, void* out, ULONG out_size))                       \
  X(NtStatus, NtQueryInformationFile,                                                       \
    (HANDLE file, IoStatusBlock* iosb, void* information, ULONG length, ULONG info_class))  \
  X(NtStatus, NtSetInformationFile,                                                         \
    (HANDLE file, IoStatusBlock* iosb, void* information, ULONG length, ULONG info_class))  \
  X(ULONG, RtlNtStatusToDosError, (NtStatus status))

#define POLLUX_NT_DECLARE(ret, name, params) extern ret(NTAPI* name) params;
POLLUX_NT_IMPORTS(POLLUX_NT_DECLARE)
#undef POLLUX_NT_DECLARE

/// Resolves every import the first time it is called; later calls return the first
/// result. Thread-safe. Nothing above may be called before it succeeded.
std::error_code init() noexcept;

}  // namespace pollux::sys::nt
