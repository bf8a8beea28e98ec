// SPDX-License-Identifier: MIT
#pragma once
// select(a, b, ...): runs several awaitables inside the awaiting task and gives the
// first to finish; the others are cancelled (tokio's select!, in its `biased` form).
//
//   auto r = co_await select(rx.recv(), notify.notified(), sleep(1s));
//   switch (r.index()) {            // std::variant<RecvResult<int>, std::monostate,
//     case 0: use(std::get<0>(r));  //              std::monostate>
//     ...
//   }
//
// - Each argument is a Task or any other pollux-exec awaitable (a JoinHandle, an I/O
//   operation, notified(), recv(), ...). They run in the awaiting task, not as tasks of
//   their own: first each in argument order until it suspends, then whichever is woken.
//   The first to finish wins (the lowest index when several finish in one round).
// - The result is a std::variant with one alternative per argument, in order (void
//   becomes std::monostate): index() says which finished, std::get<I> gives its value.
//   An exception the winner threw is rethrown here; an empty Task wins at once with
//   std::system_error(EINVAL), as awaiting it does.
// - Before co_await returns, every other branch is destroyed at its suspension point,
//   which cancels what it waited on (its timer, its Notify waiter, its readiness
//   registration); each awaitable's cancel safety says what that loses.
// - Cancelling the awaiting task (abort, shutdown, an enclosing select or timeout)
//   destroys every branch the same way, before the cancel returns.
// - Tasks and movable awaitables are moved in; an lvalue, or a temporary that cannot
//   move (notify.notified(), rx.recv(), ...), is referenced: await the select in the
//   full expression that creates those temporaries, `co_await select(...)`.
// - Up to 63 branches; a branch may itself select or join (they nest).
//
// Cost: one coroutine frame for the select, one per branch that is not a Task, and a
// 64-byte cell for the branches' wakers.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <variant>

#include <pollux/exec/detail/branches.hpp>
#include <pollux/exec/task.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

namespace detail {

template <std::size_t... I, class... T>
Task<std::variant<BranchValue<T>...>> select_tasks(std::index_sequence<I...>, Task<T>... tasks) {
  std::uint32_t winner;
  {
    BranchFrame<sizeof...(T)> frame(tasks...);
    while ((winner = frame.set.run_ready()) == BranchSet::kNone) co_await frame.set.wait();
  }
  // The losers go before the result does.
  cancel_branches_except(winner, std::index_sequence<I...>{}, tasks...);
  std::optional<std::variant<BranchValue<T>...>> out;
  ((I == winner ? (void)out.emplace(std::in_place_index<I>, take_branch(tasks)) : void()), ...);
  co_return std::move(*out);
}

}  // namespace detail

/// The first of `a...` to finish, as a std::variant indexed like the arguments; the
/// others are cancelled before it returns. See the top of this header.
template <class... A>
  requires(sizeof...(A) >= 1 && sizeof...(A) <= detail::BranchSet::kMaxBranches)
auto select(A&&... a) {
  return detail::select_tasks(std::index_sequence_for<A...>{},
                              detail::to_task(std::forward<A>(a))...);
}

}  // namespace pollux::exec
