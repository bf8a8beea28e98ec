// SPDX-License-Identifier: MIT
// Signals on Unix: a self-pipe per Signals object, written by one process-wide handler.
//
// Why not signalfd: it reports a signal only while the signal is blocked in every thread,
// and a library neither owns every thread nor runs before they start; a thread that does
// not block it takes the default action (SIGTERM kills the process). A handler works
// whatever the masks, coexists with other users of the signal (it chains to the handler
// it replaced), and lets any number of Signals objects watch one signal.
//
// The handler may run on any thread at any moment, also inside a call below, so it
// touches nothing but lock-free atomics and write(2). Each Signals object owns a Slot in a
// table that only grows (chunks are never freed, so the handler may walk it at any time);
// a slot holds the write end of its object's pipe, the signals it wants and a count per
// signal. Everything else (taking and freeing slots, sigaction) is under one mutex.
//
// Freeing a slot must not let a handler write to its fd once that fd is closed (the number
// may already name another file): the handler announces itself in `users` before it
// looks at `active`, and the owner clears `active` and then waits for `users` to drop to
// zero. Both sides use sequentially consistent operations, so at least one of them sees
// the other. A handler on the owner's own thread runs to its end before the owner goes
// on, so the wait cannot deadlock; one on another thread is a few instructions long.

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <mutex>

#include <pollux/unix/pipe.hpp>

#include "../signals_sys.hpp"
#include "errno.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

namespace {

// SA_RESTART, as libuv and Rust's signal-hook ask for: a read or write the program blocks
// in goes on rather than fail with EINTR because a watched signal came. Not under
// ThreadSanitizer: TSan runs a handler late, when its thread next passes one of TSan's
// interceptors, and a thread asleep in a raw syscall (the parker's futex wait, where
// block_on sleeps) that the kernel restarts never passes one, so the signal would not be
// seen until something else woke that thread. Without SA_RESTART the wait returns EINTR,
// and TSan runs the handler on the way back.
#if defined(__SANITIZE_THREAD__)
constexpr int kRestart = 0;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
constexpr int kRestart = 0;
#else
constexpr int kRestart = SA_RESTART;
#endif
#else
constexpr int kRestart = SA_RESTART;
#endif

constexpr int kSignals = NSIG;  // numbers 1..NSIG-1
constexpr int kWords = (kSignals + 63) / 64;
constexpr int kChunkSlots = 16;

static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(std::atomic<int>::is_always_lock_free);

struct Slot {
  std::atomic<int> users{0};
  std::atomic<bool> active{false};
  std::atomic<int> write_fd{-1};
  std::array<std::atomic<std::uint64_t>, kWords> wanted{};
  std::array<std::atomic<std::uint32_t>, kSignals> counts{};
  bool taken = false;  // under g_mutex

  bool wants(int sig) const noexcept {
    return (wanted[sig / 64].load(std::memory_order_relaxed) >> (sig % 64) & 1) != 0;
  }
};

struct Chunk {
  std::array<Slot, kChunkSlots> slots;
  std::atomic<Chunk*> next{nullptr};
};

// What pollux did to one signal's disposition.
struct Disposition {
  int watchers = 0;        // taken slots that want it; under g_mutex
  bool installed = false;  // our handler is (or may still be, see release) reachable
  struct sigaction previous {};
  std::atomic<int> running{0};  // handlers of ours under way for this signal
};

constinit Chunk g_first{};
constinit std::array<Disposition, kSignals> g_dispositions{};
std::mutex g_mutex;

// The handler that was there before ours, if it is a function to call.
void chain(const struct sigaction& previous, int sig, siginfo_t* info, void* context) {
  if ((previous.sa_flags & SA_SIGINFO) != 0) {
    if (previous.sa_sigaction != nullptr) previous.sa_sigaction(sig, info, context);
    return;
  }
  if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN &&
      previous.sa_handler != nullptr) {
    previous.sa_handler(sig);
  }
}

extern "C" void on_signal(int sig, siginfo_t* info, void* context) {
  if (sig <= 0 || sig >= kSignals) return;
  const int saved_errno = errno;
  Disposition& d = g_dispositions[sig];
  d.running.fetch_add(1);
  for (Chunk* chunk = &g_first; chunk != nullptr;
       chunk = chunk->next.load(std::memory_order_acquire)) {
    for (Slot& slot : chunk->slots) {
      slot.users.fetch_add(1);
      if (slot.active.load() && slot.wants(sig)) {
        // Count first, then wake: a reader drains the pipe before it takes the counts.
        slot.counts[sig].fetch_add(1, std::memory_order_release);
        const char byte = 0;
        // A full pipe already holds a wake-up; nothing else can fail that matters here.
        (void)!::write(slot.write_fd.load(std::memory_order_relaxed), &byte, 1);
      }
      slot.users.fetch_sub(1);
    }
  }
  // Copied while counted, called after: a previous handler that never returns (one that
  // siglongjmps out, as REPLs do on SIGINT) must not leave `running` raised for good.
  const struct sigaction previous = d.previous;
  d.running.fetch_sub(1);
  errno = saved_errno;
  chain(previous, sig, info, context);
}

bool is_ours(const struct sigaction& action) noexcept {
  return (action.sa_flags & SA_SIGINFO) != 0 && action.sa_sigaction == on_signal;
}

// Under g_mutex.
std::error_code install(int sig) {
  Disposition& d = g_dispositions[sig];
  if (d.installed) return {};
  struct sigaction ours {};
  ours.sa_sigaction = on_signal;
  ours.sa_flags = SA_SIGINFO | kRestart | SA_ONSTACK;
  sigemptyset(&ours.sa_mask);
  // `previous` is written while no handler of ours reads it: uninstall() waited for the
  // last one to leave, and so does this (against one the kernel dispatched just before).
  while (d.running.load() != 0) ::sched_yield();
  if (::sigaction(sig, nullptr, &d.previous) < 0) return errno_code();
  if (::sigaction(sig, &ours, nullptr) < 0) return errno_code();
  d.installed = true;
  return {};
}

// Under g_mutex, once no slot wants `sig`.
void uninstall(int sig) noexcept {
  Disposition& d = g_dispositions[sig];
  if (!d.installed) return;
  struct sigaction current {};
  if (::sigaction(sig, nullptr, &current) < 0 || !is_ours(current)) {
    // Someone installed a handler over ours (and may chain to it): leave ours in place.
    return;
  }
  (void)::sigaction(sig, &d.previous, nullptr);
  while (d.running.load() != 0) ::sched_yield();
  d.installed = false;
}

bool forbidden(int sig) noexcept {
  return sig <= 0 || sig >= kSignals || sig == SIGKILL || sig == SIGSTOP || sig == SIGSEGV ||
         sig == SIGBUS || sig == SIGILL || sig == SIGFPE;
}

// Under g_mutex. Never fails but for memory (a new chunk).
Slot* take_slot() {
  Chunk* chunk = &g_first;
  for (;;) {
    for (Slot& slot : chunk->slots) {
      if (!slot.taken) {
        slot.taken = true;
        return &slot;
      }
    }
    Chunk* next = chunk->next.load(std::memory_order_acquire);
    if (next == nullptr) {
      next = new (std::nothrow) Chunk;
      if (next == nullptr) return nullptr;
      chunk->next.store(next, std::memory_order_release);  // never freed: see the top
    }
    chunk = next;
  }
}

// Under g_mutex: stops the handler from using `slot`, then closes its write end.
void free_slot(Slot& slot) noexcept {
  slot.active.store(false);
  while (slot.users.load() != 0) ::sched_yield();
  for (int sig = 1; sig < kSignals; ++sig) {
    if (!slot.wants(sig)) continue;
    if (--g_dispositions[sig].watchers == 0) uninstall(sig);
  }
  for (auto& word : slot.wanted) word.store(0, std::memory_order_relaxed);
  for (auto& count : slot.counts) count.store(0, std::memory_order_relaxed);
  const int fd = slot.write_fd.exchange(-1, std::memory_order_relaxed);
  if (fd >= 0) ::close(fd);
  slot.taken = false;
}

}  // namespace

struct SignalsState {
  unix::Receiver pipe;
  Slot* slot = nullptr;
  // Arrivals taken from the slot and not yet given out by read().
  std::array<std::uint32_t, kSignals> pending{};
};

SignalsState* signals_create(std::span<const int> signals, std::error_code& ec) {
  for (int sig : signals) {
    if (forbidden(sig)) {
      ec = std::make_error_code(std::errc::invalid_argument);
      return nullptr;
    }
  }
  auto [sender, receiver] = unix::pipe(ec);
  if (ec) return nullptr;
  auto* state = new (std::nothrow) SignalsState{std::move(receiver)};
  if (state == nullptr) {
    ec = std::make_error_code(std::errc::not_enough_memory);
    return nullptr;
  }
  std::lock_guard lock(g_mutex);
  Slot* slot = take_slot();
  if (slot == nullptr) {
    delete state;
    ec = std::make_error_code(std::errc::not_enough_memory);
    return nullptr;
  }
  state->slot = slot;
  slot->write_fd.store(sender.release(), std::memory_order_relaxed);
  for (int sig : signals) {
    if (slot->wants(sig)) continue;  // a duplicate
    slot->wanted[sig / 64].fetch_or(std::uint64_t{1} << (sig % 64), std::memory_order_relaxed);
    ++g_dispositions[sig].watchers;
  }
  // Active before the handler is installed, so that no arrival goes to nobody.
  slot->active.store(true);
  for (int sig = 1; sig < kSignals; ++sig) {
    if (!slot->wants(sig)) continue;
    if ((ec = install(sig))) {
      free_slot(*slot);  // uninstalls what this call installed
      state->slot = nullptr;
      delete state;
      return nullptr;
    }
  }
  ec.clear();
  return state;
}

void signals_destroy(SignalsState* state) noexcept {
  if (state == nullptr) return;
  {
    std::lock_guard lock(g_mutex);
    if (state->slot != nullptr) free_slot(*state->slot);
  }
  delete state;  // the Receiver leaves its Poll and closes the read end
}

int signals_ctrl_c() noexcept { return SIGINT; }

int signals_read(SignalsState& state, std::error_code& ec) {
  const auto give = [&]() -> int {
    for (int sig = 1; sig < kSignals; ++sig) {
      if (state.pending[sig] != 0) {
        --state.pending[sig];
        return sig;
      }
    }
    return 0;
  };
  if (int sig = give()) {
    ec.clear();
    return sig;
  }
  // Drain the pipe before taking the counts: an arrival after the drain leaves a byte,
  // hence a new event, whether or not its count is taken now.
  std::byte buf[128];
  for (;;) {
    // Would-block re-arms emulated edges. End of file cannot happen: the slot holds the
    // write end for as long as the state lives.
    const std::size_t n = state.pipe.read(buf, ec);
    if (ec || n == 0) break;
  }
  if (!is_would_block(ec)) return 0;
  for (int sig = 1; sig < kSignals; ++sig) {
    state.pending[sig] += state.slot->counts[sig].exchange(0, std::memory_order_acquire);
  }
  if (int sig = give()) {
    ec.clear();
    return sig;
  }
  return 0;  // ec is would-block
}

std::error_code signals_add(SignalsState& state, const Registry& registry, Token token) {
  return state.pipe.add_to(registry, token, Interest::readable);
}

std::error_code signals_modify(SignalsState& state, const Registry& registry, Token token) {
  return state.pipe.modify_in(registry, token, Interest::readable);
}

std::error_code signals_remove(SignalsState& state, const Registry& registry) {
  return state.pipe.remove_from(registry);
}

}  // namespace pollux::sys
