#pragma once
// The one includer of <windows.h> in lib/exec (lib/win/win.hpp has that role for pollux;
// pollux-exec keeps its own so that it builds without pollux's private headers). Only the
// lib/exec/*_windows.cpp files include it.

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
// Nothing newer than Windows 7 is linked: WaitOnAddress (8+) and the keyed events (ntdll)
// are looked up at run time.
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0601
#endif

#include <windows.h>

namespace pollux::exec::sys {

// GetProcAddress returns a FARPROC; going through a function type without parameters keeps
// GCC's -Wcast-function-type quiet about a cast that is exact by construction.
template <class Fn>
Fn proc_address(HMODULE module, const char* name) noexcept {
  if (module == nullptr) return nullptr;
  return reinterpret_cast<Fn>(reinterpret_cast<void (*)()>(GetProcAddress(module, name)));
}

}  // namespace pollux::exec::sys
