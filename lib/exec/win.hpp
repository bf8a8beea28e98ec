// SPDX-License-Identifier: MIT
#pragma once
// The Windows SDK for lib/exec, through pollux's one includer of it (lib/win/win.hpp),
// so that both libraries see the SDK with the same macros. Nothing newer than Windows 7
// is linked: WaitOnAddress (8+) and the keyed events (ntdll) are looked up at run time.
// Only the lib/exec/*_windows.cpp files include this.

#include "../win/win.hpp"

namespace pollux::inline POLLUX_ABI()::exec::sys {

// GetProcAddress returns a FARPROC; going through a function type without parameters keeps
// GCC's -Wcast-function-type quiet about a cast that is exact by construction.
template <class Fn>
Fn proc_address(HMODULE module, const char* name) noexcept {
  if (module == nullptr) return nullptr;
  return reinterpret_cast<Fn>(reinterpret_cast<void (*)()>(GetProcAddress(module, name)));
}

}  // namespace pollux::exec::sys
