// SPDX-License-Identifier: MIT
#pragma once
// cpu_relax for spin-waits, and SpinLock: a test-and-test-and-set lock for critical
// sections of a few instructions. Uncontended it costs one exchange and one store, against
// a pthread mutex's two read-modify-writes. On contention it yields the CPU after a short
// spin, since a preempted holder on a loaded machine may not run again for a while.

#include <pollux/config.hpp>
#include <pollux/exec/detail/channel_lock.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

// Tells the CPU that this is a spin-wait: the core yields resources to its sibling
// hyper-thread and leaves the loop without a memory-order mis-speculation.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

// The runtime's own short critical sections (a slot of the owned-task list, a
// ScheduledIo's waiters) take the channels' lock: one test-and-test-and-set lock, its
// contended path (spin, then yield) written once in lib/exec/sync/channel_lock.cpp.
using SpinLock = ChannelLock;

}  // namespace pollux::exec::detail
