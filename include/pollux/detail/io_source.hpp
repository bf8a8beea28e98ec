#pragma once
// IoSource: the registration half of every socket and descriptor that pollux owns.

#include <memory>
#include <system_error>

#include <pollux/config.hpp>
#include <pollux/interest.hpp>
#include <pollux/token.hpp>
#include <pollux/would_block.hpp>

namespace pollux {

class Registry;
namespace sys {
struct SourceState;
}

namespace detail {

/// Owns a native handle and its registration. epoll needs nothing beyond the handle;
/// backends that emulate edge triggering (poll(2), Windows AFD) keep per-source state,
/// and re-arm it when an operation reports would-block (see `would_block`). That is why
/// I/O done on the raw handle behind pollux's back can break eventing on those backends.
class POLLUX_API IoSource {
 public:
  IoSource() noexcept = default;
  explicit IoSource(NativeHandle handle) noexcept : handle_(handle) {}
  IoSource(IoSource&& other) noexcept;
  IoSource& operator=(IoSource&& other) noexcept;
  /// Removes any registration, then closes the handle.
  ~IoSource();

  NativeHandle handle() const noexcept { return handle_; }
  bool is_open() const noexcept { return handle_ != kInvalidHandle; }

  std::error_code add_to(const Registry& registry, Token token, Interest interest);
  std::error_code modify_in(const Registry& registry, Token token, Interest interest);
  std::error_code remove_from(const Registry& registry);

  /// Called by every pollux operation that met would-block; re-arms emulated edges.
  void would_block() noexcept;
  /// Passes `ec` through, re-arming first when it is would-block.
  std::error_code track(std::error_code ec) noexcept {
    if (is_would_block(ec)) would_block();
    return ec;
  }

  /// Removes any registration and gives up ownership of the handle without closing it.
  NativeHandle release() noexcept;
  /// Removes any registration and closes the handle.
  void close() noexcept;

 private:
  NativeHandle handle_ = kInvalidHandle;
  std::shared_ptr<sys::SourceState> state_;
};

}  // namespace detail
}  // namespace pollux
