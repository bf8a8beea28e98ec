// SPDX-License-Identifier: MIT
// Windows: SetThreadDescription (Windows 10 1607 and later, in kernel32), found at run
// time so that the library still loads on older systems and under Wine 8, which lack
// it; there the name is skipped. The name is UTF-8, the API wants UTF-16.

#include "thread_name.hpp"

#include <vector>

#include "win.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

namespace {

using SetThreadDescriptionFn = HRESULT(WINAPI*)(HANDLE thread, PCWSTR description);

SetThreadDescriptionFn set_thread_description() noexcept {
  static const SetThreadDescriptionFn found = [] {
    auto fn = sys::proc_address<SetThreadDescriptionFn>(GetModuleHandleW(L"kernel32.dll"),
                                                        "SetThreadDescription");
    if (fn == nullptr) {
      fn = sys::proc_address<SetThreadDescriptionFn>(GetModuleHandleW(L"kernelbase.dll"),
                                                     "SetThreadDescription");
    }
    return fn;
  }();
  return found;
}

}  // namespace

void set_current_thread_name(const std::string& name) noexcept {
  const SetThreadDescriptionFn fn = set_thread_description();
  if (fn == nullptr || name.empty()) return;
  const int size = static_cast<int>(name.size());
  const int wide = MultiByteToWideChar(CP_UTF8, 0, name.data(), size, nullptr, 0);
  if (wide <= 0) return;
  try {
    std::vector<wchar_t> buffer(static_cast<std::size_t>(wide) + 1, L'\0');
    if (MultiByteToWideChar(CP_UTF8, 0, name.data(), size, buffer.data(), wide) != wide) return;
    (void)fn(GetCurrentThread(), buffer.data());
  } catch (const std::bad_alloc&) {
    // Out of memory: the thread stays unnamed.
  }
}

}  // namespace pollux::exec::detail
