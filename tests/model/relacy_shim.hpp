// SPDX-License-Identifier: MIT
#pragma once
// The one indirection between pollux's real code and Relacy: a model includes this, then
// the real source file (MODEL_SOURCE), and the real code's std::atomic, std::mutex and
// std::memory_order_* become Relacy's instrumented ones. Nothing in the shipped code
// changes for it.
//
// How: every standard header the real code needs is included first (so that none of
// them is read with the macros below in force); then Relacy (relacy.hpp, not
// relacy_std.hpp, whose `using rl::atomic` into std collides with libstdc++ 12's own
// std::atomic); then two object-like macros rename the tokens `atomic` and `mutex` to
// aliases added to std, and Relacy's own memory_order_* macros append the `$` (call-site
// information) that its atomics take. Relacy's `new`/`delete` macros are dropped: the
// real code declares operator new and uses placement new, which they would break.
//
// Relacy (Debian's 2019 snapshot) builds as C++20 with GCC 12 this way, warning-free under
// the project's flags, plus -fno-sized-deallocation (tests/model/meson.build says why).

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <exception>
#include <limits>
#include <list>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <pollux/config.hpp>

#include <relacy/relacy.hpp>

#undef new
#undef delete

namespace std {
using rl::mo_acq_rel;
using rl::mo_acquire;
using rl::mo_consume;
using rl::mo_relaxed;
using rl::mo_release;
using rl::mo_seq_cst;

template <class T>
using pollux_model_atomic = rl::atomic<T>;

// std::mutex's interface over Relacy's mutex (whose calls take the call site).
class pollux_model_mutex {
 public:
  void lock() { m_.lock($); }
  void unlock() { m_.unlock($); }
  bool try_lock() { return m_.try_lock($); }

 private:
  rl::mutex m_;
};
}  // namespace std

// For the models' own code, which sees the macros below: Relacy's types by other names.
namespace model {
using RlMutex = rl::mutex;
template <class T>
using RlAtomic = rl::atomic<T>;
}  // namespace model

#define atomic pollux_model_atomic
#define mutex pollux_model_mutex

// The channels' ChannelLock (include/pollux/exec/detail/channel_lock.hpp: a test-and-set
// lock whose contended path spins and yields) as a Relacy mutex, defined before the real
// header, whose include guard then skips it. A modelled spin would multiply the schedules
// Relacy explores for nothing: what the models check is the protocol around the lock,
// for which a lock with acquire/release semantics is all that matters.
#define POLLUX_EXEC_DETAIL_CHANNEL_LOCK_HPP
namespace pollux::inline POLLUX_ABI()::exec::detail {
class ChannelLock {
 public:
  void lock() { m_.lock($); }
  void unlock() { m_.unlock($); }

 private:
  model::RlMutex m_;
};
}  // namespace pollux::exec::detail
