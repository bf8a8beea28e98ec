// SPDX-License-Identifier: MIT
#include <pollux/exec/detail/io_handle.hpp>

#include "context.hpp"
#include "io_driver.hpp"
#include "io_op.hpp"
#include "scheduler.hpp"

namespace pollux::inline POLLUX_ABI()::exec::detail {

void IoHandle::reset() noexcept {
  if (io_ != nullptr) {
    driver_->release(io());
    io_ = nullptr;
  }
  driver_.reset();
}

const Registry* IoHandle::registry() const noexcept {
  return driver_ ? &driver_->registry() : nullptr;
}

std::shared_ptr<IoDriver> current_driver() noexcept {
  const Context* ctx = current_context();
  if (ctx == nullptr || ctx->scheduler == nullptr) return nullptr;
  return ctx->scheduler->io_driver();
}

}  // namespace pollux::exec::detail
