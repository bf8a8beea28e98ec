// SPDX-License-Identifier: MIT
// ntdll imports, resolved once.

#include "nt.hpp"

#include "error.hpp"

namespace pollux::inline POLLUX_ABI()::sys::nt {

#define POLLUX_NT_DEFINE(ret, name, params) ret(NTAPI* name) params = nullptr;
POLLUX_NT_IMPORTS(POLLUX_NT_DEFINE)
#undef POLLUX_NT_DEFINE

namespace {

std::error_code resolve() noexcept {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  if (ntdll == nullptr) return win_error();
  // GetProcAddress returns FARPROC; the cast to the real signature is the usual one.
#define POLLUX_NT_RESOLVE(ret, name, params)                                      \
  name = reinterpret_cast<ret(NTAPI*) params>(                                    \
      reinterpret_cast<void*>(GetProcAddress(ntdll, #name)));                     \
  if (name == nullptr) return win_error();
  POLLUX_NT_IMPORTS(POLLUX_NT_RESOLVE)
#undef POLLUX_NT_RESOLVE
  return {};
}

}  // namespace

std::error_code init() noexcept {
  static const std::error_code result = resolve();
  return result;
}

}  // namespace pollux::sys::nt
