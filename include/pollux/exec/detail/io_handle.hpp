#pragma once
// IoHandle: the registration of one source with a runtime's I/O driver, held by each
// async I/O type next to its pollux source. It owns the driver's record for the source
// (readiness and waiters) and keeps the driver alive. The owner removes the source
// from the registry before the handle goes (pollux sources do so when destroyed: hold
// the handle as the first member, so that it is destroyed last).

#include <memory>
#include <utility>

#include <pollux/exec/config.hpp>

namespace pollux::exec::detail {

class IoDriver;
class ScheduledIo;

class POLLUX_EXEC_API IoHandle {
 public:
  IoHandle() noexcept = default;
  IoHandle(std::shared_ptr<IoDriver> driver, ScheduledIo* io) noexcept
      : driver_(std::move(driver)), io_(io) {}
  IoHandle(IoHandle&& other) noexcept
      : driver_(std::move(other.driver_)), io_(std::exchange(other.io_, nullptr)) {}
  IoHandle& operator=(IoHandle&& other) noexcept {
    if (this != &other) {
      reset();
      driver_ = std::move(other.driver_);
      io_ = std::exchange(other.io_, nullptr);
    }
    return *this;
  }
  IoHandle(const IoHandle&) = delete;
  IoHandle& operator=(const IoHandle&) = delete;
  ~IoHandle() { reset(); }

  bool is_registered() const noexcept { return io_ != nullptr; }
  IoDriver* driver() const noexcept { return driver_.get(); }
  ScheduledIo* io() const noexcept { return io_; }
  // Gives the record back to the driver (its source must be out of the registry).
  void reset() noexcept;

 private:
  std::shared_ptr<IoDriver> driver_;
  ScheduledIo* io_ = nullptr;
};

}  // namespace pollux::exec::detail
