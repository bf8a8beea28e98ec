// SPDX-License-Identifier: MIT
#pragma once
// win::Binding: any overlapped-capable HANDLE, reporting its completions through a Poll.

#include <memory>
#include <system_error>
#include <utility>

#include <pollux/config.hpp>
#include <pollux/interest.hpp>
#include <pollux/token.hpp>
#include <pollux/win/overlapped.hpp>

namespace pollux::inline POLLUX_ABI() {
class Registry;
}
namespace pollux::inline POLLUX_ABI()::sys {
struct BindingRoute;
}

namespace pollux::inline POLLUX_ABI()::win {

/// How Binding::submit started an operation.
enum class Submitted {
  /// It did not start (the error code says why); no completion will be delivered.
  failed,
  /// Its completion will be delivered by a later Poll::poll.
  pending,
  /// It finished at once and no completion will be delivered: only with
  /// Binding::Options::skip_completion_on_success. Overlapped::bytes() holds the result.
  completed,
};

/// Associates a HANDLE opened for overlapped I/O (a file, pipe, directory, device, or a
/// socket used with overlapped Winsock) with a Poll's completion port under a Token.
/// It is a Source: add it with Registry::add (the Interest is not used: every completion
/// is reported; pass any non-empty one), re-token it with modify, end it with remove.
/// The Binding does not own the handle: remove it (or destroy it) before closing that.
///
/// Every operation on the handle goes through submit(), which is how the Binding knows
/// what is pending: see the lifetime rule on win::Overlapped.
///
/// Errors: adding a handle that is bound to the completion port of another Poll (a
/// handle's association cannot be undone on Windows 7), or adding twice:
/// std::errc::file_exists; submit/modify/remove before add:
/// std::errc::no_such_file_or_directory; submitting an Overlapped that is already
/// pending: std::errc::operation_in_progress; an invalid handle:
/// std::errc::bad_file_descriptor.
///
/// Threads: one thread at a time calls add/modify/remove/submit/cancel/post on a Binding,
/// except that Handlers (run inside poll, on the polling thread) may submit at the same
/// time; completions may be delivered on the polling thread while the owner submits.
///
/// Re-adding a handle to the same Poll after remove needs Windows 8.1
/// (FileReplaceCompletionInformation) and fails with file_exists where that is missing.
class POLLUX_API Binding {
 public:
  /// What the Binding sets on the handle when it is added.
  struct Options {
    /// Sets FILE_SKIP_COMPLETION_PORT_ON_SUCCESS on the handle when it is added: an
    /// operation that succeeds at once then posts no completion, and submit reports it
    /// as Submitted::completed instead. The mode stays on the handle for good.
    bool skip_completion_on_success = false;
  };

  Binding() noexcept = default;
  /// A Binding of `handle` (not owned), not yet added to a Poll.
  explicit Binding(void* handle) noexcept : handle_(handle) {}
  /// The same, with options.
  Binding(void* handle, Options options) noexcept : handle_(handle), options_(options) {}
  ///@{
  /// Movable: the handle and any registration move; the moved-from Binding is empty.
  Binding(Binding&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)),
        options_(other.options_),
        route_(std::move(other.route_)) {}
  Binding& operator=(Binding&& other) noexcept;
  ///@}
  /// Removes the binding, if added: see remove_from.
  ~Binding();

  /// The HANDLE given at construction (null when empty).
  void* handle() const noexcept { return handle_; }
  /// Whether the Binding is added to a Poll now.
  bool is_added() const noexcept { return route_ != nullptr; }

  ///@{
  /// The Source hooks behind Registry::add, modify and remove: call those.
  [[nodiscard]] std::error_code add_to(const Registry& registry, Token token, Interest interest);
  [[nodiscard]] std::error_code modify_in(const Registry& registry, Token token, Interest interest);
  /// Cancels every pending operation (CancelIoEx) and waits until the kernel has let go
  /// of each; from then on no completion of this binding is delivered, and its
  /// Overlappeds and buffers may be freed. Polls that start later never report its token.
  [[nodiscard]] std::error_code remove_from(const Registry& registry);
  ///@}

  /// Starts one operation: calls `start(handle(), overlapped.native())`, which issues it
  /// and returns true on success, false with GetLastError() set on failure (for Winsock
  /// calls that return 0 on success, write `WSARecv(...) == 0`).
  template <class Start>
  Submitted submit(Overlapped& overlapped, Start&& start, std::error_code& ec) {
    if ((ec = begin(overlapped))) return Submitted::failed;
    const bool ok = static_cast<bool>(std::forward<Start>(start)(handle_, overlapped.native()));
    return finish(overlapped, ok, ec);
  }

  /// Completes `overlapped` through the port without any I/O (PostQueuedCompletionStatus):
  /// a later poll delivers it like any completion, with 0 bytes and success. Useful to
  /// report something from inside the loop's own thread of events; it is pending, by the
  /// lifetime rule, until then.
  [[nodiscard]] std::error_code post(Overlapped& overlapped) noexcept;

  /// Asks the kernel to cancel one pending operation (CancelIoEx). Its completion is still
  /// delivered, usually with std::errc::operation_canceled.
  [[nodiscard]] std::error_code cancel(Overlapped& overlapped) noexcept;

 private:
  std::error_code begin(Overlapped& overlapped) noexcept;
  // Reads GetLastError() first thing, so nothing may run between `start` and this call.
  Submitted finish(Overlapped& overlapped, bool ok, std::error_code& ec) noexcept;
  void release() noexcept;

  void* handle_ = nullptr;
  Options options_{};
  std::shared_ptr<sys::BindingRoute> route_;
};

}  // namespace pollux::win
