#pragma once
// IoResult<T>: what an awaited operation produced, returned by value so that nothing the
// caller owns (an error_code, a count) is written to after a suspension:
//
//   auto [ec, n] = co_await stream.read(buf);
//   auto [ec, conn] = co_await listener.accept();
//
// `value` is meaningful as each operation documents it (a read's count is valid even with
// an error set: it says how much was transferred before the error).

#include <system_error>

namespace pollux::exec {

template <class T>
struct [[nodiscard]] IoResult {
  std::error_code error;
  T value{};

  /// True when the operation succeeded.
  explicit operator bool() const noexcept { return !error; }
};

}  // namespace pollux::exec
