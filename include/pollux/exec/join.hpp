// SPDX-License-Identifier: MIT
#pragma once
// join(a, b, ...): runs several awaitables inside the awaiting task and waits for all
// of them (tokio's join!). Not to be confused with JoinHandle (a spawned task's handle)
// or JoinSet (many spawned tasks): join() spawns nothing.
//
//   auto [a, b] = co_await join(fetch(x), fetch(y));   // std::tuple<A, B>
//
// - Each argument is a Task or any other pollux-exec awaitable; they run in the
//   awaiting task, first each in argument order until it suspends, then whichever is
//   woken, so they wait concurrently.
// - The result is a std::tuple of their values in argument order (void becomes
//   std::monostate).
// - If one throws (or is an empty Task: std::system_error(EINVAL)), the others are
//   cancelled at once (destroyed at their suspension points) and the exception is
//   rethrown here, as a panic unwinds through tokio's join!.
// - Cancelling the awaiting task destroys every branch before the cancel returns.
// - Argument lifetimes are select()'s (pollux/exec/select.hpp): Tasks and movable
//   awaitables are moved in, the rest referenced; `co_await join(...)` in one
//   expression. Up to 63 branches; joins and selects nest.

#include <cstddef>
#include <cstdint>
#include <tuple>
#include <utility>

#include <pollux/exec/detail/branches.hpp>
#include <pollux/exec/task.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

namespace detail {

template <std::size_t... I, class... T>
Task<std::tuple<BranchValue<T>...>> join_tasks(std::index_sequence<I...>, Task<T>... tasks) {
  {
    BranchFrame<sizeof...(T)> frame(tasks...);
    std::size_t remaining = sizeof...(T);
    while (remaining != 0) {
      const std::uint32_t done = frame.set.run_ready();
      if (done == BranchSet::kNone) {
        co_await frame.set.wait();
        continue;
      }
      bool failed = false;
      ((I == done ? (void)(failed = TaskAccess::failed(tasks)) : void()), ...);
      if (failed) {
        // Cancel the others first, then rethrow.
        cancel_branches_except(done, std::index_sequence<I...>{}, tasks...);
        ((I == done ? (void)take_branch(tasks) : void()), ...);
      }
      --remaining;
    }
  }
  co_return std::tuple<BranchValue<T>...>{take_branch(tasks)...};
}

}  // namespace detail

/// The values of all of `a...`, as a std::tuple in argument order. See the top of this
/// header.
template <class... A>
  requires(sizeof...(A) >= 1 && sizeof...(A) <= detail::BranchSet::kMaxBranches)
auto join(A&&... a) {
  return detail::join_tasks(std::index_sequence_for<A...>{},
                            detail::to_task(std::forward<A>(a))...);
}

}  // namespace pollux::exec
