// SPDX-License-Identifier: MIT
#pragma once
// Branches: several awaitables run inside the one task that awaits select() or join(),
// in the manner of tokio's select!/join! (which poll their futures inside the task that
// polls them) rather than as tasks of their own.
//
// A task suspends at one point at a time (TaskHeader::resume_point) and is resumed once
// per wake. A select suspends at N points at once, so each branch gets its own resume
// point (Branch) and its own wakers: while a branch runs, the thread's Context names it,
// and suspend_current()/yield_current() record the branch's resume point and hand out a
// waker that marks the branch woken (BranchSet) instead of the task's. The select
// coroutine itself is the task's resume point: when woken it resumes the branches that
// were, one by one. Nested selects stack: the inner select's coroutine is a branch of
// the outer one.
//
// Cancelling is destroying: a branch is a Task whose frame is destroyed at its
// suspension point, which deregisters whatever it waited on (the timer entry, the
// Notify waiter, the readiness waiter), synchronously, before select() returns.

#include <array>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/waker.hpp>
#include <pollux/exec/task.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

class BranchCell;
class BranchSet;
struct Branch;

// Called by suspend_current()/yield_current() while a branch runs (lib/exec/branches.cpp).
Waker branch_suspend(Branch* b, std::coroutine_handle<> h) noexcept;
bool branch_yield(Branch* b, std::coroutine_handle<> h) noexcept;

// One branch: where it continues, and who it belongs to.
struct Branch {
  std::coroutine_handle<> resume_point;
  BranchSet* set = nullptr;
  std::uint32_t index = 0;
};

// Drives the branches of one select/join; lives in the select coroutine's frame. The
// wakers share a small counted cell (they may be woken after the frame is gone).
class POLLUX_EXEC_API BranchSet {
 public:
  static constexpr std::uint32_t kMaxBranches = 63;
  static constexpr std::uint32_t kNone = 0xffffffff;

  // `tops[i]` is branch i's coroutine (null: an empty Task, finished at once), which
  // runs first from its start; `branches` is storage for `count` Branch records.
  BranchSet(const std::coroutine_handle<>* tops, Branch* branches, std::uint32_t count);
  BranchSet(const BranchSet&) = delete;
  BranchSet& operator=(const BranchSet&) = delete;
  ~BranchSet();

  // Runs, in index order, each branch that is ready (never run yet, woken, or
  // yielded) until it suspends or finishes, and returns the index of the first one
  // that finished (each is reported once; the others stay ready for the next call).
  // kNone: none finished; co_await wait(), then call again.
  std::uint32_t run_ready() noexcept;

  // `co_await set.wait()`: suspends the select until a branch is woken; yields the task
  // instead when a branch yielded (yield_now, an exhausted budget).
  struct Wait {
    BranchSet& set;
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) noexcept { return set.park(h); }
    void await_resume() const noexcept {}
  };
  Wait wait() noexcept { return Wait{*this}; }

 private:
  friend Waker branch_suspend(Branch* b, std::coroutine_handle<> h) noexcept;
  friend bool branch_yield(Branch* b, std::coroutine_handle<> h) noexcept;
  bool park(std::coroutine_handle<> h) noexcept;
  void run(std::uint32_t i) noexcept;

  const std::coroutine_handle<>* tops_;
  Branch* branches_;
  BranchCell* cell_;
  std::uint32_t count_;
  std::uint64_t local_ready_;  // never run yet, or yielded; this task's thread only
  bool yielded_ = false;
  std::uint64_t reported_ = 0;  // finished branches already returned by run_ready
};

// Task's frame, for the branch machinery (not for users).
struct TaskAccess {
  template <class T>
  static std::coroutine_handle<TaskPromise<T>> handle(const Task<T>& t) noexcept {
    return t.handle_;
  }
  // A finished branch that threw (an empty Task counts: awaiting it throws).
  template <class T>
  static bool failed(const Task<T>& t) noexcept {
    return !t.handle_ || t.handle_.promise().exception_ != nullptr;
  }
};

// What a branch yields in a variant or tuple: void becomes std::monostate.
template <class T>
using BranchValue = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

// The value of `co_await a` for an awaitable expression of type A&&.
template <class A>
decltype(auto) awaiter_of(A&& a) {
  if constexpr (requires { static_cast<A&&>(a).operator co_await(); }) {
    return static_cast<A&&>(a).operator co_await();
  } else {
    return static_cast<A&&>(a);
  }
}
template <class A>
using AwaitResult = std::remove_cvref_t<decltype(awaiter_of(std::declval<A>()).await_resume())>;

template <class T>
inline constexpr bool kIsTask = false;
template <class T>
inline constexpr bool kIsTask<Task<T>> = true;

// A Task that awaits `a`; A is a value type (moved in) or a reference (a temporary of
// the caller's full expression, or an lvalue).
template <class A>
Task<AwaitResult<A>> await_in_branch(A a) {
  if constexpr (std::is_void_v<AwaitResult<A>>) {
    co_await static_cast<A&&>(a);
  } else {
    co_return co_await static_cast<A&&>(a);
  }
}

// Every branch becomes a Task: a Task rvalue as it is; a movable rvalue moved into a
// small coroutine that awaits it; anything else (an lvalue, or a temporary that cannot
// move, such as notify.notified()) referenced by one.
template <class A>
auto to_task(A&& a) {
  using D = std::remove_cvref_t<A>;
  if constexpr (kIsTask<D> && !std::is_lvalue_reference_v<A>) {
    return D(std::move(a));
  } else if constexpr (!std::is_lvalue_reference_v<A> && std::is_move_constructible_v<D>) {
    return await_in_branch<D>(std::move(a));
  } else {
    return await_in_branch<A&&>(static_cast<A&&>(a));
  }
}

// The outcome of a finished branch; rethrows what it threw (an empty Task: EINVAL).
template <class T>
BranchValue<T> take_branch(Task<T>& t) {
  const auto h = TaskAccess::handle(t);
  if (!h) throw std::system_error(std::make_error_code(std::errc::invalid_argument));
  if constexpr (std::is_void_v<T>) {
    h.promise().take();
    return std::monostate{};
  } else {
    return h.promise().take();
  }
}

// What a select/join keeps in its frame while it runs its branches `t...`.
template <std::size_t N>
struct BranchFrame {
  template <class... T>
  explicit BranchFrame(const Task<T>&... t)
      : tops{std::coroutine_handle<>(TaskAccess::handle(t))...},
        set(tops.data(), branches.data(), static_cast<std::uint32_t>(N)) {}
  std::array<std::coroutine_handle<>, N> tops;
  std::array<Branch, N> branches;
  BranchSet set;
};

// Destroys every branch but `keep`, each at its suspension point (I... indexes T...).
template <std::size_t... I, class... T>
void cancel_branches_except(std::uint32_t keep, std::index_sequence<I...>, Task<T>&... tasks) noexcept {
  ((I != keep ? (void)(tasks = Task<T>{}) : void()), ...);
}

}  // namespace pollux::exec::detail
