// join_before: the wait behind timeout(). Two things may wake the waiting task (the
// joined task completing, and the timer), but a task must be resumed once per
// suspension, so both wake a small shared cell instead, which resumes the task only for
// the events it currently waits for and swallows the rest.

#include <pollux/exec/timeout.hpp>

#include <atomic>
#include <coroutine>
#include <mutex>

#include "io_op.hpp"

namespace pollux::exec::detail {

namespace {

constexpr std::uint32_t kJoined = 1;
constexpr std::uint32_t kElapsed = 2;

class SelectCell {
 public:
  void fire(std::uint32_t bit) noexcept {
    Waker target;
    {
      std::lock_guard lock(mutex_);
      fired_ |= bit;
      if ((want_ & bit) != 0) {
        want_ = 0;
        target = std::move(target_);
      }
    }
    target.wake();
  }
  // false: one of `bits` fired already (the waker is dropped).
  bool arm(std::uint32_t bits, Waker waker) noexcept {
    std::lock_guard lock(mutex_);
    if ((fired_ & bits) != 0) return false;
    want_ = bits;
    target_ = std::move(waker);
    return true;
  }
  void disarm() noexcept {
    Waker dropped;
    std::lock_guard lock(mutex_);
    want_ = 0;
    dropped = std::move(target_);
  }
  bool has(std::uint32_t bit) noexcept {
    std::lock_guard lock(mutex_);
    return (fired_ & bit) != 0;
  }

  void ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void unref() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  template <std::uint32_t Bit>
  Waker waker() noexcept {
    ref();
    return Waker{this, &kVtable<Bit>};
  }

 private:
  template <std::uint32_t Bit>
  static void wake_fn(void* data) noexcept {
    auto* cell = static_cast<SelectCell*>(data);
    cell->fire(Bit);
    cell->unref();
  }
  static void drop_fn(void* data) noexcept { static_cast<SelectCell*>(data)->unref(); }
  static void* clone_fn(void* data) noexcept {
    static_cast<SelectCell*>(data)->ref();
    return data;
  }
  template <std::uint32_t Bit>
  static constexpr WakerVtable kVtable{&wake_fn<Bit>, &drop_fn, &clone_fn};

  std::atomic<int> refs_{1};
  std::mutex mutex_;
  std::uint32_t fired_ = 0;  // guarded by mutex_
  std::uint32_t want_ = 0;   // guarded by mutex_
  Waker target_;             // guarded by mutex_
};

struct CellRef {
  SelectCell* cell = new SelectCell();
  CellRef() = default;
  CellRef(const CellRef&) = delete;
  CellRef& operator=(const CellRef&) = delete;
  ~CellRef() { cell->unref(); }
};

class CellAwait {
 public:
  CellAwait(SelectCell& cell, std::uint32_t bits) noexcept : cell_(cell), bits_(bits) {}
  CellAwait(const CellAwait&) = delete;
  CellAwait& operator=(const CellAwait&) = delete;
  ~CellAwait() {
    if (armed_) cell_.disarm();
  }
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h) noexcept {
    armed_ = cell_.arm(bits_, suspend_current(h));
    return armed_;
  }
  void await_resume() const noexcept {}

 private:
  SelectCell& cell_;
  std::uint32_t bits_;
  bool armed_ = false;
};

// The timer half; cancelled when the wait ends either way.
class CellTimer {
 public:
  CellTimer(std::shared_ptr<IoDriver> driver, SelectCell& cell,
            TimerDriver::Clock::time_point deadline) noexcept
      : driver_(std::move(driver)) {
    if (!driver_) return;
    entry_.waker = cell.waker<kElapsed>();
    bool wake = false;
    if (!driver_->timers().insert(entry_, deadline, wake)) {
      entry_.waker.wake();  // already due
      return;
    }
    filed_ = true;
    if (wake) driver_->wake();
  }
  CellTimer(const CellTimer&) = delete;
  CellTimer& operator=(const CellTimer&) = delete;
  ~CellTimer() {
    if (filed_) driver_->timers().cancel(entry_);
  }

 private:
  std::shared_ptr<IoDriver> driver_;
  TimerEntry entry_;
  bool filed_ = false;
};

}  // namespace

Task<bool> join_before(TaskHeader* task, std::chrono::steady_clock::time_point deadline) {
  CellRef ref;
  SelectCell& cell = *ref.cell;
  // Completed already (or the slot is taken): the caller takes the output as it is.
  if (!task->set_join_waker(cell.waker<kJoined>())) co_return true;
  {
    CellTimer timer(current_driver(), cell, deadline);
    co_await CellAwait(cell, kJoined | kElapsed);
    if (cell.has(kJoined)) co_return true;
  }
  task->abort();
  // The join waker stays in the task: it fires when the task has been dropped.
  co_await CellAwait(cell, kJoined);
  co_return false;
}

}  // namespace pollux::exec::detail
