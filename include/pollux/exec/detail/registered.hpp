// SPDX-License-Identifier: MIT
#pragma once
// Registered<Source>: a pollux source and its IoHandle, kept in the order IoHandle asks
// for: the source leaves the driver's registry before it is closed, replaced or
// destroyed. exec's Command and Signal types hold one instead of repeating that order in
// each destructor, move assignment and close.

#include <utility>

#include <pollux/exec/detail/io_handle.hpp>

namespace pollux::inline POLLUX_ABI()::exec::detail {

template <class Source>
class Registered {
 public:
  Registered() noexcept = default;
  Registered(Registered&&) noexcept = default;
  Registered& operator=(Registered&& other) noexcept {
    if (this != &other) {
      io_.deregister(source_);
      source_ = std::move(other.source_);
      io_ = std::move(other.io_);
    }
    return *this;
  }
  ~Registered() { io_.deregister(source_); }

  /// Deregisters and closes the source now.
  void close() noexcept {
    io_.deregister(source_);
    io_.reset();
    source_.close();
  }

  IoHandle& io() noexcept { return io_; }
  Source& source() noexcept { return source_; }
  const Source& source() const noexcept { return source_; }

 private:
  IoHandle io_;
  Source source_;
};

}  // namespace pollux::exec::detail
