// SPDX-License-Identifier: MIT
#pragma once
// IoHandle: the registration of one source with a runtime's I/O driver, held by each
// async I/O type next to its pollux source. It owns the driver's record for the source
// (readiness and waiters) and keeps the driver alive. The owner calls deregister(source)
// before the source is closed or replaced: the record may be freed only once the source
// has left the registry explicitly. Closing an fd is not enough on Linux: while a
// posix_spawn/fork elsewhere in the program holds a copy of the fd table, the file stays
// in the epoll set and would still report events naming the freed record.

#include <memory>
#include <utility>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/io_record.hpp>
#include <pollux/poll.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

class IoDriver;
class ScheduledIo;

class POLLUX_EXEC_API IoHandle {
 public:
  IoHandle() noexcept = default;
  // A template only so that ScheduledIo (lib/exec) need not be complete here.
  template <class Record>
  IoHandle(std::shared_ptr<IoDriver> driver, Record* io) noexcept
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
  // The driver's record (a template for the same reason as the constructor).
  template <class Record = ScheduledIo>
  Record* io() const noexcept {
    return static_cast<Record*>(io_);
  }
  // Its readiness word, which the header-only readiness checks read.
  const IoRecordHead* record() const noexcept { return io_; }
  // Gives the record back to the driver (its source must be out of the registry).
  void reset() noexcept;
  // Removes `source` from the driver's registry, then gives the record back.
  template <class S>
  void deregister(S& source) noexcept {
    if (io_ == nullptr) return;
    if (const Registry* r = registry()) (void)r->remove(source);
    reset();
  }

 private:
  const Registry* registry() const noexcept;

  std::shared_ptr<IoDriver> driver_;
  IoRecordHead* io_ = nullptr;
};

}  // namespace pollux::exec::detail
