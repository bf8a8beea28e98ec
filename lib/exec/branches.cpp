// SPDX-License-Identifier: MIT
// The branches of select/join (include/pollux/exec/detail/branches.hpp): per-branch
// resume points and wakers inside one task.
//
// The wakers' shared cell is one atomic word: a "woken" bit per branch, and ARMED while
// the select is suspended with `target_` (the waker of the level above: the task's, or
// the enclosing branch's) stored. The first wake that finds ARMED clears it and owns
// `target_`; a select that runs (its own thread) is never ARMED, so a wake then only
// sets its bit, and arming fails while any bit is set. So the level above is woken at
// most once per suspension, and never after the select finished or was destroyed: a
// late wake (a timer that fired as its branch was dropped) only sets a bit nobody reads.

#include <pollux/exec/detail/branches.hpp>

#include <atomic>
#include <bit>
#include <optional>

#include "context.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

// 64-byte aligned, so that a waker carries the branch index in the pointer's low bits.
class alignas(64) BranchCell {
 public:
  static constexpr std::uint64_t kArmed = std::uint64_t{1} << 63;

  void ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void unref() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  void fire(std::uint32_t index) noexcept {
    const std::uint64_t bit = std::uint64_t{1} << index;
    std::uint64_t cur = state_.load(std::memory_order_relaxed);
    while (!state_.compare_exchange_weak(cur, (cur | bit) & ~kArmed, std::memory_order_acq_rel,
                                         std::memory_order_relaxed)) {
    }
    if ((cur & kArmed) != 0) {
      Waker target = std::move(target_);
      target.wake();
    }
  }
  // false: a branch was woken meanwhile (the waker is dropped; run the branches).
  bool arm(Waker waker) noexcept {
    target_ = std::move(waker);
    std::uint64_t expected = 0;
    if (state_.compare_exchange_strong(expected, kArmed, std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
      return true;
    }
    target_.reset();
    return false;
  }
  void disarm() noexcept {
    if ((state_.fetch_and(~kArmed, std::memory_order_acq_rel) & kArmed) != 0) target_.reset();
  }
  // The branches woken since the last call (never while ARMED).
  std::uint64_t take_woken() noexcept { return state_.exchange(0, std::memory_order_acquire); }

  Waker waker(std::uint32_t index) noexcept {
    ref();
    return Waker{reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(this) | index),
                 &kVtable};
  }

 private:
  static BranchCell* cell_of(void* data, std::uint32_t& index) noexcept {
    const auto bits = reinterpret_cast<std::uintptr_t>(data);
    index = static_cast<std::uint32_t>(bits & 63);
    return reinterpret_cast<BranchCell*>(bits & ~std::uintptr_t{63});
  }
  static void wake_fn(void* data) noexcept {
    std::uint32_t index;
    BranchCell* cell = cell_of(data, index);
    cell->fire(index);
    cell->unref();
  }
  static void drop_fn(void* data) noexcept {
    std::uint32_t index;
    cell_of(data, index)->unref();
  }
  static void* clone_fn(void* data) noexcept {
    std::uint32_t index;
    cell_of(data, index)->ref();
    return data;
  }
  static constexpr WakerVtable kVtable{&wake_fn, &drop_fn, &clone_fn};

  std::atomic<std::uint64_t> state_{0};
  std::atomic<std::uint32_t> refs_{1};
  Waker target_;  // owned by whoever cleared ARMED, or by the select while not ARMED
};

Waker branch_suspend(Branch* b, std::coroutine_handle<> h) noexcept {
  b->resume_point = h;
  return b->set->cell_->waker(b->index);
}

bool branch_yield(Branch* b, std::coroutine_handle<> h) noexcept {
  b->resume_point = h;
  b->set->local_ready_ |= std::uint64_t{1} << b->index;
  b->set->yielded_ = true;
  return true;
}

BranchSet::BranchSet(const std::coroutine_handle<>* tops, Branch* branches, std::uint32_t count)
    : tops_(tops), branches_(branches), cell_(new BranchCell()), count_(count) {
  local_ready_ = count >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << count) - 1;
  for (std::uint32_t i = 0; i < count; ++i) {
    branches[i].resume_point = tops[i];
    branches[i].set = this;
    branches[i].index = i;
  }
}

BranchSet::~BranchSet() {
  cell_->disarm();
  cell_->unref();
}

void BranchSet::run(std::uint32_t i) noexcept {
  // Outside any runtime (a coroutine resumed by hand) the thread has no context: the
  // branch still needs one to be found by suspend_current.
  Context* ctx = current_context();
  std::optional<Context> local;
  std::optional<ContextGuard> guard;
  if (ctx == nullptr) {
    ctx = &local.emplace();
    guard.emplace(ctx);
  }
  // The task is cleared while the branch runs, so that suspend_current finds the branch
  // on its slow path (a task's own suspensions then cost no branch check).
  Branch* const outer = ctx->branch;
  TaskHeader* const task = std::exchange(ctx->current, nullptr);
  ctx->branch = &branches_[i];
  std::exchange(branches_[i].resume_point, {}).resume();
  ctx->branch = outer;
  ctx->current = task;
}

std::uint32_t BranchSet::run_ready() noexcept {
  std::uint64_t ready = std::exchange(local_ready_, 0) | cell_->take_woken();
  while (ready != 0) {
    const auto i = static_cast<std::uint32_t>(std::countr_zero(ready));
    ready &= ready - 1;
    if (i >= count_) continue;
    const std::coroutine_handle<> top = tops_[i];
    bool finished = !top;  // an empty Task "finishes" at once
    // Otherwise: skip a branch that finished already, or a stale wake.
    if (!finished && !top.done() && branches_[i].resume_point) {
      run(i);
      finished = top.done();
    }
    const std::uint64_t bit = std::uint64_t{1} << i;
    if (finished && (reported_ & bit) == 0) {
      reported_ |= bit;
      // The rest stays ready for the next call.
      local_ready_ |= ready;
      return i;
    }
  }
  return kNone;
}

bool BranchSet::park(std::coroutine_handle<> h) noexcept {
  if (yielded_) {
    // A branch yielded: the task yields (behind the others), and the branch is ready
    // when it comes back. Outside a task there is nothing to yield to: run again.
    yielded_ = false;
    return yield_current(h);
  }
  return cell_->arm(suspend_current(h));
}

}  // namespace pollux::exec::detail
