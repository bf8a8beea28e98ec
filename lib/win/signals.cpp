// SPDX-License-Identifier: MIT
// Signals on Windows: console control events, caught by one SetConsoleCtrlHandler routine
// that counts each event for every Signals object watching it and wakes their Polls
// through a sys::WakerState (as Process does), so the event reaches the completion port.
//
// Windows runs a handler routine on a thread of its own, not inside an interrupted one,
// so it may lock a mutex. The routine is installed once and never removed: when no live
// Signals watches an event it answers FALSE, which passes the event on as if it were not
// there, while removing it could wait on the console lock that Windows (and Wine's
// CtrlRoutine) holds around the handlers, one of which may be ours, waiting below.

#include "win.hpp"

#include <array>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "../signals_sys.hpp"
#include "../sys.hpp"
#include "error.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

namespace {

constexpr int kEvents = 7;  // CTRL_C_EVENT (0) .. CTRL_SHUTDOWN_EVENT (6); 3, 4 unused

static_assert(CTRL_C_EVENT == win::kCtrlC && CTRL_BREAK_EVENT == win::kCtrlBreak &&
              CTRL_CLOSE_EVENT == win::kCtrlClose && CTRL_LOGOFF_EVENT == win::kCtrlLogoff &&
              CTRL_SHUTDOWN_EVENT == win::kCtrlShutdown);

bool valid(int event) noexcept {
  return event == CTRL_C_EVENT || event == CTRL_BREAK_EVENT || event == CTRL_CLOSE_EVENT ||
         event == CTRL_LOGOFF_EVENT || event == CTRL_SHUTDOWN_EVENT;
}

// After these Windows ends the process as soon as a handler returns.
bool ends_process(DWORD event) noexcept {
  return event == CTRL_CLOSE_EVENT || event == CTRL_LOGOFF_EVENT || event == CTRL_SHUTDOWN_EVENT;
}

}  // namespace

struct SignalsState {
  std::array<bool, kEvents> wanted{};
  // Under g_mutex, like everything below.
  std::array<std::uint32_t, kEvents> counts{};
  bool holds_exit = false;  // was handed an event that ends the process
  const Selector* selector = nullptr;
  WakerState* waker = nullptr;
};

namespace {

std::mutex g_mutex;
std::condition_variable g_released;  // a state that held an exit event went away
std::vector<SignalsState*> g_states;
int g_exit_holders = 0;
bool g_installed = false;

BOOL WINAPI on_ctrl(DWORD event) {
  if (event >= static_cast<DWORD>(kEvents)) return FALSE;
  std::unique_lock lock(g_mutex);
  bool taken = false;
  for (SignalsState* state : g_states) {
    if (!state->wanted[event]) continue;
    taken = true;
    ++state->counts[event];
    // A failed post means the port is gone: nobody polls it any more.
    if (state->waker != nullptr) (void)waker_wake(*state->waker);
    if (ends_process(event) && !state->holds_exit) {
      state->holds_exit = true;
      ++g_exit_holders;
    }
  }
  // Give the program its time to clean up: Windows ends the process once we return.
  if (taken && ends_process(event)) g_released.wait(lock, [] { return g_exit_holders == 0; });
  return taken ? TRUE : FALSE;
}

void unregister(SignalsState& state) noexcept {
  if (state.waker != nullptr) waker_destroy(state.waker);
  state.waker = nullptr;
  state.selector = nullptr;
}

bool has_pending(const SignalsState& state) noexcept {
  for (std::uint32_t count : state.counts) {
    if (count != 0) return true;
  }
  return false;
}

}  // namespace

SignalsState* signals_create(std::span<const int> signals, std::error_code& ec) {
  auto* state = new SignalsState;
  for (int event : signals) {
    if (!valid(event)) {
      delete state;
      ec = std::make_error_code(std::errc::invalid_argument);
      return nullptr;
    }
    state->wanted[static_cast<std::size_t>(event)] = true;
  }
  std::lock_guard lock(g_mutex);
  if (!g_installed) {
    if (!SetConsoleCtrlHandler(on_ctrl, TRUE)) {
      ec = win_error();
      delete state;
      return nullptr;
    }
    g_installed = true;
  }
  g_states.push_back(state);
  ec.clear();
  return state;
}

void signals_destroy(SignalsState* state) noexcept {
  if (state == nullptr) return;
  {
    std::lock_guard lock(g_mutex);
    std::erase(g_states, state);
    unregister(*state);
    if (state->holds_exit && --g_exit_holders == 0) g_released.notify_all();
  }
  delete state;
}

int signals_ctrl_c() noexcept { return CTRL_C_EVENT; }

int signals_read(SignalsState& state, std::error_code& ec) {
  std::lock_guard lock(g_mutex);
  for (int event = 0; event < kEvents; ++event) {
    auto& count = state.counts[static_cast<std::size_t>(event)];
    if (count != 0) {
      --count;
      ec.clear();
      return event;
    }
  }
  // Every arrival posts a wake-up: nothing to re-arm.
  ec = std::make_error_code(std::errc::operation_would_block);
  return 0;
}

std::error_code signals_add(SignalsState& state, const Registry& registry, Token token) {
  std::lock_guard lock(g_mutex);
  if (state.waker != nullptr) return std::make_error_code(std::errc::file_exists);
  std::error_code ec;
  WakerState* waker = waker_create(registry.sys_selector(), token, ec);
  if (ec) return ec;
  state.waker = waker;
  state.selector = registry.sys_selector().get();
  // Arrivals before the registration are reported too.
  if (has_pending(state)) (void)waker_wake(*waker);
  return {};
}

std::error_code signals_modify(SignalsState& state, const Registry& registry, Token token) {
  std::lock_guard lock(g_mutex);
  if (state.waker == nullptr || state.selector != registry.sys_selector().get()) {
    return std::make_error_code(std::errc::no_such_file_or_directory);
  }
  std::error_code ec;
  WakerState* waker = waker_create(registry.sys_selector(), token, ec);
  if (ec) return ec;
  unregister(state);  // the old token is never reported once this returns
  state.waker = waker;
  state.selector = registry.sys_selector().get();
  if (has_pending(state)) (void)waker_wake(*waker);
  return {};
}

std::error_code signals_remove(SignalsState& state, const Registry& registry) {
  std::lock_guard lock(g_mutex);
  if (state.waker == nullptr || state.selector != registry.sys_selector().get()) {
    return std::make_error_code(std::errc::no_such_file_or_directory);
  }
  unregister(state);
  return {};
}

}  // namespace pollux::sys
