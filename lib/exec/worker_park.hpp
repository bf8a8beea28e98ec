#pragma once
// How an idle thread of a scheduler sleeps and is woken: the one seam between the
// schedulers and whatever blocks. Today a Parker; with the I/O driver (issue 6) the
// thread that owns the driver will wait in Poll::poll instead, and unpark() will go
// through a pollux::Waker for it. Schedulers call nothing else to sleep or wake.

#include <chrono>

#include <pollux/exec/parker.hpp>

namespace pollux::exec::detail {

class WorkerPark {
 public:
  void park() noexcept { parker_.park(); }
  // false when the timeout passed without an unpark.
  bool park_for(std::chrono::nanoseconds timeout) noexcept { return parker_.park_for(timeout); }
  // From any thread; an unpark before park makes that park return at once.
  void unpark() noexcept { parker_.unpark(); }

 private:
  Parker parker_;
};

}  // namespace pollux::exec::detail
