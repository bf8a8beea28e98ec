// SPDX-License-Identifier: MIT
// JoinSet's core (include/pollux/exec/join_set.hpp). Each task in the set has an entry
// whose address is the data of the task's join waker: when the task completes, the
// waker moves the entry from `running_` to `finished_` and wakes join_next(). The
// waker may fire (or be dropped) on any thread, also after the set is gone: the entry
// is counted (the set's reference, the waker's) and keeps the core alive.

#include <pollux/exec/join_set.hpp>

#include <atomic>

namespace pollux::inline POLLUX_ABI()::exec::detail {

struct JoinSetCore::Entry : WaitNode {
  Entry(JoinSetCore* c, TaskHeader* t) noexcept : core(c), task(t) {}
  JoinSetCore* core;
  TaskHeader* task;
  std::atomic<int> refs{1};
  bool orphan = false;  // guarded by core->mutex_: the set let go of it
};

const WakerVtable JoinSetCore::kVtable{&JoinSetCore::wake_fn, &JoinSetCore::drop_fn,
                                       &JoinSetCore::clone_fn};

JoinSetCore* JoinSetCore::create() { return new JoinSetCore(); }

void JoinSetCore::unref() noexcept {
  bool last;
  {
    std::lock_guard lock(mutex_);
    last = --refs_ == 0;
  }
  if (last) delete this;
}

void JoinSetCore::entry_unref(Entry* e) noexcept {
  if (e->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  JoinSetCore* core = e->core;
  delete e;
  core->unref();
}

void JoinSetCore::wake_fn(void* data) noexcept {
  auto* e = static_cast<Entry*>(data);
  JoinSetCore* core = e->core;
  Waker waiter;
  {
    std::lock_guard lock(core->mutex_);
    if (!e->orphan) {
      e->unlink();
      core->finished_.push_back(*e);
      waiter = std::move(core->waiter_);
    }
  }
  waiter.wake();
  entry_unref(e);
}

void JoinSetCore::drop_fn(void* data) noexcept { entry_unref(static_cast<Entry*>(data)); }

void* JoinSetCore::clone_fn(void* data) noexcept {
  static_cast<Entry*>(data)->refs.fetch_add(1, std::memory_order_relaxed);
  return data;
}

void JoinSetCore::insert(TaskHeader* task) {
  auto* e = new Entry(this, task);
  {
    std::lock_guard lock(mutex_);
    ++refs_;
    running_.push_back(*e);
    ++len_;
  }
  e->refs.fetch_add(1, std::memory_order_relaxed);  // the waker's
  if (!task->set_join_waker(Waker{e, &kVtable})) {
    // Finished already (the waker was dropped, with its reference).
    std::lock_guard lock(mutex_);
    e->unlink();
    finished_.push_back(*e);
  }
}

TaskHeader* JoinSetCore::pop_finished() noexcept {
  Entry* e;
  {
    std::lock_guard lock(mutex_);
    e = static_cast<Entry*>(finished_.pop_front());
    if (e == nullptr) return nullptr;
    e->orphan = true;
    --len_;
  }
  TaskHeader* task = e->task;
  entry_unref(e);
  return task;
}

bool JoinSetCore::wait(Waker waker) noexcept {
  Waker old;
  std::lock_guard lock(mutex_);
  if (!finished_.empty() || len_ == 0) {
    old = std::move(waker);
    return false;
  }
  old = std::exchange(waiter_, std::move(waker));
  return true;
}

void JoinSetCore::cancel_wait() noexcept {
  Waker old;
  std::lock_guard lock(mutex_);
  old = std::move(waiter_);
}

void JoinSetCore::abort_all() noexcept {
  // abort() may complete a task on the spot (a runtime shutting down refuses to queue
  // it), which runs its join waker, which takes our lock: abort unlocked. The entries
  // still to visit wait in `pass`; a waker may move one of them to `finished_`
  // meanwhile (under the lock), which takes it out of `pass`. Entries stay alive: only
  // this task lets go of them.
  std::unique_lock lock(mutex_);
  WaitList pass;
  pass.splice_back(running_);
  while (WaitNode* n = pass.pop_front()) {
    running_.push_back(*n);
    TaskHeader* task = static_cast<Entry*>(n)->task;
    lock.unlock();
    task->abort();
    lock.lock();
  }
}

void JoinSetCore::close() noexcept {
  for (;;) {
    Entry* e;
    {
      std::lock_guard lock(mutex_);
      e = static_cast<Entry*>(running_.pop_front());
      if (e == nullptr) e = static_cast<Entry*>(finished_.pop_front());
      if (e == nullptr) break;
      e->orphan = true;
      --len_;
    }
    // Our reference keeps `e` while the handle goes: drop_join_handle may drop the
    // waker here (the entry's other reference), or leave it to the completer.
    e->task->abort();
    e->task->drop_join_handle();
    entry_unref(e);
  }
  cancel_wait();
  unref();
}

}  // namespace pollux::exec::detail
