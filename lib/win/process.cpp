// SPDX-License-Identifier: MIT
// Process on Windows: the process HANDLE is waited on by the thread pool
// (RegisterWaitForSingleObject, once), and the wait's callback wakes the Poll through a
// sys::WakerState that carries the registration's token. That is the route libuv, asio and
// smol's polling take; wait completion packets (NtAssociateWaitCompletionPacket) would skip
// the thread-pool hop but do not exist under Wine 8, where this is tested.
//
// Reusing the Waker keeps the contract with the selector to what lib/sys.hpp already
// promises: any thread may wake; a packet that arrives after waker_destroy is dropped, so
// once remove() returns the token is never reported again.

#include "win.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pollux/win/process.hpp>

#include "../process_sys.hpp"
#include "../sys.hpp"
#include "command_line.hpp"
#include "error.hpp"
#include "process_spawn.hpp"
#include "program_search.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

struct ProcessState {
  HANDLE process;
  DWORD id;
  std::optional<ExitStatus> status;
  // The registration, if any. `selector` only identifies the Poll; the WakerState keeps it
  // alive while the wait may still fire.
  const Selector* selector = nullptr;
  WakerState* waker = nullptr;
  HANDLE wait = nullptr;
};

namespace {

std::error_code errc(std::errc e) noexcept { return std::make_error_code(e); }

VOID CALLBACK on_exit(PVOID context, BOOLEAN /*timed_out: never, the wait is INFINITE*/) {
  // Nothing can report a failed post from a thread-pool thread; a post fails only when
  // the port is gone, and then no one is polling it.
  (void)waker_wake(*static_cast<WakerState*>(context));
}

// The standard handles, and nothing else, for the child. Inheritance is all or nothing
// unless the handles are listed (PROC_THREAD_ATTRIBUTE_HANDLE_LIST, Vista; Wine 8 honours
// it): without the list a child would also hold every inheritable handle of this program,
// e.g. a listening socket, keeping it open after the program closes it.
struct StdHandles {
  HANDLE for_child[3] = {};
  LPPROC_THREAD_ATTRIBUTE_LIST attributes = nullptr;

  StdHandles() = default;
  StdHandles(const StdHandles&) = delete;
  StdHandles& operator=(const StdHandles&) = delete;

  // `given[i]`, when not null, replaces standard handle i (a Command's pipe or NUL).
  std::error_code open(const HANDLE* given) {
    constexpr DWORD kStd[3] = {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE};
    for (int i = 0; i < 3; ++i) {
      HANDLE h = given != nullptr && given[i] != nullptr ? given[i] : GetStdHandle(kStd[i]);
      for_child[i] = h;
      DWORD flags = 0;
      if (h == nullptr || h == INVALID_HANDLE_VALUE || !GetHandleInformation(h, &flags)) {
        continue;  // none, or not a real handle: the child gets the value, as is
      }
      if ((flags & HANDLE_FLAG_INHERIT) == 0) {
        // Only inheritable handles may be listed: pass an inheritable duplicate, closed
        // again once the child has its copy.
        HANDLE dup = nullptr;
        if (!DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &dup, 0, TRUE,
                             DUPLICATE_SAME_ACCESS)) {
          return win_error();
        }
        owned_[owned_count_++] = dup;
        for_child[i] = dup;
      }
      // The same handle twice in the list is refused; stdout and stderr often are one.
      bool listed = false;
      for (int j = 0; j < listed_count_; ++j) listed = listed || listed_[j] == for_child[i];
      if (!listed) listed_[listed_count_++] = for_child[i];
    }
    if (listed_count_ == 0) return {};
    SIZE_T size = 0;
    InitializeProcThreadAttributeList(nullptr, 1, 0, &size);
    storage_.resize(size / sizeof(std::uintptr_t) + 1);
    auto* list = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(storage_.data());
    if (!InitializeProcThreadAttributeList(list, 1, 0, &size)) return win_error();
    attributes = list;
    if (!UpdateProcThreadAttribute(list, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, listed_,
                                   static_cast<SIZE_T>(listed_count_) * sizeof(HANDLE),
                                   nullptr, nullptr)) {
      return win_error();
    }
    return {};
  }

  ~StdHandles() {
    if (attributes != nullptr) DeleteProcThreadAttributeList(attributes);
    for (int i = 0; i < owned_count_; ++i) CloseHandle(owned_[i]);
  }

 private:
  HANDLE owned_[3] = {};
  int owned_count_ = 0;
  HANDLE listed_[3] = {};
  int listed_count_ = 0;
  std::vector<std::uintptr_t> storage_;
};

void unregister(ProcessState& state) noexcept {
  if (state.wait != nullptr) {
    // INVALID_HANDLE_VALUE: returns only once a callback already running has finished, so
    // none touches the WakerState after this.
    UnregisterWaitEx(state.wait, INVALID_HANDLE_VALUE);
    state.wait = nullptr;
  }
  if (state.waker != nullptr) waker_destroy(state.waker);
  state.waker = nullptr;
  state.selector = nullptr;
}

bool has_exited(const ProcessState& state) noexcept {
  return state.status || WaitForSingleObject(state.process, 0) == WAIT_OBJECT_0;
}

}  // namespace

ProcessState* process_spawn(std::span<const std::string> argv, std::error_code& ec) {
  return process_spawn_with(WinSpawn{argv}, ec);
}

ProcessState* process_spawn_with(const WinSpawn& request, std::error_code& ec) {
  const std::span<const std::string> argv = request.argv;
  // The program is found by our own search (program_search.hpp), never CreateProcess's,
  // which looks in the current directory first.
  std::wstring program;
  if ((ec = find_program(argv[0], program, request.search_path))) return nullptr;
  std::wstring line;
  if (is_batch_file(program)) {
    // CreateProcess would run it through cmd.exe with our C-runtime quoting, which cmd.exe
    // does not follow: run cmd.exe ourselves, with a command line quoted for it.
    if ((ec = make_batch_command_line(program, argv, line))) return nullptr;
    program = system_directory() + L"\\cmd.exe";
  } else if ((ec = make_command_line(argv, line))) {
    return nullptr;
  }
  StdHandles std_handles;
  if ((ec = std_handles.open(request.stdio))) return nullptr;
  STARTUPINFOEXW startup{};
  startup.StartupInfo.cb = sizeof startup;
  startup.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  startup.StartupInfo.hStdInput = std_handles.for_child[0];
  startup.StartupInfo.hStdOutput = std_handles.for_child[1];
  startup.StartupInfo.hStdError = std_handles.for_child[2];
  startup.lpAttributeList = std_handles.attributes;
  const bool inherit = std_handles.attributes != nullptr;
  PROCESS_INFORMATION info{};
  DWORD flags = inherit ? EXTENDED_STARTUPINFO_PRESENT : 0;
  if (request.environment != nullptr) flags |= CREATE_UNICODE_ENVIRONMENT;
  if (!CreateProcessW(program.c_str(), line.data(), nullptr, nullptr, inherit ? TRUE : FALSE,
                      flags, const_cast<wchar_t*>(request.environment), request.directory,
                      &startup.StartupInfo, &info)) {
    const DWORD error = GetLastError();
    // A working directory that is missing (or not a directory): as chdir would say.
    ec = error == ERROR_DIRECTORY && request.directory != nullptr
             ? errc(std::errc::no_such_file_or_directory)
             : win_error(error);
    return nullptr;
  }
  CloseHandle(info.hThread);
  ec.clear();
  return new ProcessState{info.hProcess, info.dwProcessId, std::nullopt};
}

ProcessState* process_adopt(Process::Id id, std::error_code& ec) {
  constexpr DWORD kWatch = SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION;
  HANDLE process = OpenProcess(kWatch | PROCESS_TERMINATE, FALSE, id);
  // Watching needs less than killing: settle for it rather than fail.
  if (process == nullptr && GetLastError() == ERROR_ACCESS_DENIED) {
    process = OpenProcess(kWatch, FALSE, id);
  }
  if (process == nullptr) {
    DWORD error = GetLastError();
    // OpenProcess answers an id that names no process with ERROR_INVALID_PARAMETER.
    ec = error == ERROR_INVALID_PARAMETER ? errc(std::errc::no_such_process) : win_error(error);
    return nullptr;
  }
  ec.clear();
  return new ProcessState{process, id, std::nullopt};
}

void process_destroy(ProcessState* state) noexcept {
  if (state == nullptr) return;
  // Windows keeps no zombies: closing the handle lets a running child go on alone.
  unregister(*state);
  CloseHandle(state->process);
  delete state;
}

Process::Id process_id(const ProcessState& state) noexcept { return state.id; }

ExitStatus process_exit_status(ProcessState& state, std::error_code& ec) {
  if (!state.status) {
    // STILL_ACTIVE (259) is also a valid exit code, so the handle's state decides.
    DWORD wait = WaitForSingleObject(state.process, 0);
    if (wait == WAIT_TIMEOUT) {
      // The one-shot wait is still armed: the exit will be reported when it comes.
      ec = errc(std::errc::operation_would_block);
      return ExitStatus::exited(0);
    }
    DWORD code = 0;
    if (wait != WAIT_OBJECT_0 || !GetExitCodeProcess(state.process, &code)) {
      ec = win_error();
      return ExitStatus::exited(0);
    }
    state.status = ExitStatus::exited(static_cast<int>(code));
  }
  ec.clear();
  return *state.status;
}

std::error_code process_kill(ProcessState& state) noexcept {
  if (has_exited(state)) return {};
  if (TerminateProcess(state.process, 1)) return {};
  DWORD error = GetLastError();
  // It may have exited between the check and the call: then there is nothing to kill.
  if (has_exited(state)) return {};
  return win_error(error);
}

std::error_code process_add(ProcessState& state, const Registry& registry, Token token) {
  if (state.waker != nullptr) return errc(std::errc::file_exists);
  std::error_code ec;
  WakerState* waker = waker_create(registry.sys_selector(), token, ec);
  if (ec) return ec;
  HANDLE wait = nullptr;
  // A handle that is already signalled (the child has exited) fires at once: an exit
  // before registration is still reported.
  if (!RegisterWaitForSingleObject(&wait, state.process, on_exit, waker, INFINITE,
                                   WT_EXECUTEONLYONCE)) {
    ec = win_error();
    waker_destroy(waker);
    return ec;
  }
  state.selector = registry.sys_selector().get();
  state.waker = waker;
  state.wait = wait;
  return {};
}

std::error_code process_modify(ProcessState& state, const Registry& registry, Token token) {
  if (state.waker == nullptr || state.selector != registry.sys_selector().get()) {
    return errc(std::errc::no_such_file_or_directory);
  }
  // The new registration is made before the old one goes, so that a failure leaves the
  // old one in place; the old token is never reported once this returns.
  ProcessState fresh{state.process, state.id, std::nullopt};
  if (auto ec = process_add(fresh, registry, token)) return ec;
  unregister(state);
  state.selector = fresh.selector;
  state.waker = fresh.waker;
  state.wait = fresh.wait;
  return {};
}

std::error_code process_remove(ProcessState& state, const Registry& registry) {
  if (state.waker == nullptr || state.selector != registry.sys_selector().get()) {
    return errc(std::errc::no_such_file_or_directory);
  }
  unregister(state);
  return {};
}

}  // namespace pollux::sys

namespace pollux::inline POLLUX_ABI() {

Process win::adopt_process(void* handle, std::error_code& ec) {
  // INVALID_HANDLE_VALUE is also GetCurrentProcess()'s pseudo-handle: a process cannot
  // wait for its own exit.
  if (handle == nullptr || handle == INVALID_HANDLE_VALUE) {
    ec = std::make_error_code(std::errc::bad_file_descriptor);
    return {};
  }
  DWORD id = GetProcessId(handle);  // 0 for anything that is not a process handle
  if (id == 0) {
    ec = std::make_error_code(std::errc::bad_file_descriptor);
    return {};
  }
  ec.clear();
  return detail::ProcessAccess::make(new sys::ProcessState{handle, id, std::nullopt});
}

}  // namespace pollux
