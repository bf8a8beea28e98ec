// SPDX-License-Identifier: MIT
#pragma once
// send_signal(n): delivers a signal (Unix) or console control event (Windows) to this
// process as the OS would, and returns once the handlers have run.
//
// Windows: Windows delivers a console control event by starting a thread in the process
// at kernelbase's exported CtrlRoutine, which runs the handler list; the test starts that
// thread itself. That exercises pollux's real handler routine and its post to the port,
// where GenerateConsoleCtrlEvent does not work (headless Wine: README.md, "Signals").

#include <cstdint>
#include <initializer_list>
#include <vector>

#ifdef _WIN32
#include <windows.h>
#else
#include <signal.h>
#include <unistd.h>
#endif

#include <pollux/signals.hpp>

namespace test {

#ifdef _WIN32
// False when this system has no CtrlRoutine to call.
inline bool send_signal(int event) {
  HMODULE base = GetModuleHandleW(L"kernelbase.dll");
  if (base == nullptr) base = GetModuleHandleW(L"kernel32.dll");
  FARPROC routine = base != nullptr ? GetProcAddress(base, "CtrlRoutine") : nullptr;
  if (routine == nullptr) return false;
  HANDLE thread = CreateThread(
      nullptr, 0, reinterpret_cast<LPTHREAD_START_ROUTINE>(reinterpret_cast<void*>(routine)),
      reinterpret_cast<void*>(static_cast<std::uintptr_t>(event)), 0, nullptr);
  if (thread == nullptr) return false;
  WaitForSingleObject(thread, INFINITE);
  CloseHandle(thread);
  return true;
}
// A second signal, besides Signals::ctrl_c().
inline int other_signal() { return pollux::win::kCtrlBreak; }
// A control event comes on a thread of its own whoever sends it.
inline bool send_signal_to_process(int event) { return send_signal(event); }
struct DefaultActions {
  explicit DefaultActions(std::initializer_list<int>) {}
};
#else
inline bool send_signal(int sig) { return ::raise(sig) == 0; }
// Sent to the process, not to a thread: the kernel runs the handler on a thread of its
// choosing (the main thread when it does not block the signal), as kill(1) does.
inline bool send_signal_to_process(int sig) { return ::kill(::getpid(), sig) == 0; }
inline int other_signal() { return SIGUSR1; }

// doctest catches SIGINT and SIGTERM during a test case to report a crash, and pollux
// chains to the handler it finds: these tests want the default action behind pollux's,
// as a program without handlers has. Restored on scope exit.
class DefaultActions {
 public:
  explicit DefaultActions(std::initializer_list<int> signals) {
    for (int sig : signals) {
      struct sigaction dfl {}, old {};
      dfl.sa_handler = SIG_DFL;
      sigemptyset(&dfl.sa_mask);
      if (::sigaction(sig, &dfl, &old) == 0) saved_.push_back({sig, old});
    }
  }
  DefaultActions(const DefaultActions&) = delete;
  DefaultActions& operator=(const DefaultActions&) = delete;
  ~DefaultActions() {
    for (auto& [sig, old] : saved_) ::sigaction(sig, &old, nullptr);
  }

 private:
  struct Saved {
    int sig;
    struct sigaction old;
  };
  std::vector<Saved> saved_;
};
#endif

}  // namespace test
