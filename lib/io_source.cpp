// SPDX-License-Identifier: MIT
// IoSource ownership; registration itself is the backend's (lib/sys.hpp).

#include <pollux/detail/io_source.hpp>

#include <utility>

namespace pollux::inline POLLUX_ABI()::detail {

IoSource::IoSource(IoSource&& other) noexcept
    : handle_(std::exchange(other.handle_, kInvalidHandle)), state_(std::exchange(other.state_, {})) {}

IoSource& IoSource::operator=(IoSource&& other) noexcept {
  if (this != &other) {
    close();
    handle_ = std::exchange(other.handle_, kInvalidHandle);
    state_ = std::exchange(other.state_, {});
  }
  return *this;
}

IoSource::~IoSource() { close(); }

}  // namespace pollux::detail
