// SPDX-License-Identifier: MIT
#pragma once
// AsyncFd<S>: readiness of any pollux Source, awaited in a task, as tokio's AsyncFd. A
// runtime or library that does its own I/O on a handle (a raw fd through
// unix::SourceFd, a pollux socket, a Windows win::Binding or win::NamedPipe) registers
// it with the current runtime's I/O driver and waits for readiness there:
//
//   auto [ec, fd] = exec::AsyncFd<unix::SourceFd>::create(unix::SourceFd(raw));
//   for (;;) {
//     auto [err, guard] = co_await fd.readable();
//     if (err) co_return err;                 // not registered, or the runtime is gone
//     auto [e, n] = guard.try_io([&](unix::SourceFd& s) -> IoResult<std::size_t> {
//       const ssize_t r = ::read(s.fd(), buf, size);
//       if (r < 0) return {{errno, std::generic_category()}, 0};
//       return {{}, static_cast<std::size_t>(r)};
//     });
//     if (is_would_block(e)) continue;       // readiness cleared: wait for the next edge
//     ...
//   }
//
// try_io is the rule that keeps edge-triggered eventing right on every backend: when the
// operation reports would-block, it forgets the readiness that the guard saw (unless the
// driver saw a newer edge meanwhile) and, where pollux emulates edges (poll(2), IOCP),
// re-arms the source with Registry::modify, which I/O done behind pollux's back needs.
// Clear readiness only through try_io or clear_ready, and only after would-block:
// otherwise the next edge may never come.
//
// Lifetimes: the AsyncFd must outlive its awaits and guards, and stay in place while
// they last (a guard refers to it). An await may be dropped half-way (its task aborted,
// the runtime shut down): it is cancel-safe. A Binding's completions reach the driver
// as readiness only through Overlapped Handlers that return the Event::Flag bits they
// mean (as win::NamedPipe does); a completion without a Handler carries none.

#include <coroutine>
#include <cstdint>
#include <system_error>
#include <type_traits>
#include <utility>

#include <pollux/exec/config.hpp>
#include <pollux/exec/detail/io_handle.hpp>
#include <pollux/exec/io_result.hpp>
#include <pollux/interest.hpp>
#include <pollux/poll.hpp>
#include <pollux/source.hpp>
#include <pollux/token.hpp>
#include <pollux/would_block.hpp>

namespace pollux::inline POLLUX_ABI()::exec {

/// The readiness a guard reports.
class Ready {
 public:
  ///@{
  /// The bits of bits(), one per readiness kind (as Event's).
  static constexpr std::uint32_t kReadable = 1u << 0;
  static constexpr std::uint32_t kWritable = 1u << 1;
  static constexpr std::uint32_t kReadClosed = 1u << 2;
  static constexpr std::uint32_t kWriteClosed = 1u << 3;
  static constexpr std::uint32_t kError = 1u << 4;
  static constexpr std::uint32_t kPriority = 1u << 5;
  ///@}

  constexpr Ready() noexcept = default;
  /// From the k* bits.
  constexpr explicit Ready(std::uint32_t bits) noexcept : bits_(bits) {}
  ///@{
  /// A readiness kind, as Event reports it.
  constexpr bool is_readable() const noexcept { return (bits_ & kReadable) != 0; }
  constexpr bool is_writable() const noexcept { return (bits_ & kWritable) != 0; }
  constexpr bool is_read_closed() const noexcept { return (bits_ & kReadClosed) != 0; }
  constexpr bool is_write_closed() const noexcept { return (bits_ & kWriteClosed) != 0; }
  constexpr bool is_error() const noexcept { return (bits_ & kError) != 0; }
  constexpr bool is_priority() const noexcept { return (bits_ & kPriority) != 0; }
  ///@}
  /// None: another task consumed the readiness first (a spurious wake; try again).
  constexpr bool is_empty() const noexcept { return bits_ == 0; }
  /// All the k* bits at once.
  constexpr std::uint32_t bits() const noexcept { return bits_; }

 private:
  std::uint32_t bits_ = 0;
};

namespace detail {

// A Source behind two function pointers, so that the library registers any S.
struct ErasedSource {
  using Fn = std::error_code (*)(void* source, const Registry& r, Token t, Interest i);
  void* source;
  Fn add;
  Fn modify;
};

template <class S>
inline constexpr ErasedSource::Fn kAddSource = [](void* s, const Registry& r, Token t, Interest i) {
  return r.add(*static_cast<S*>(s), t, i);
};
template <class S>
inline constexpr ErasedSource::Fn kModifySource = [](void* s, const Registry& r, Token t, Interest i) {
  return r.modify(*static_cast<S*>(s), t, i);
};

// lib/exec/async_fd.cpp.
// Registers with the current runtime's driver (operation_not_permitted outside one).
POLLUX_EXEC_API std::error_code async_fd_register(IoHandle& handle,
                                                  ErasedSource source,
                                                  Interest interest) noexcept;
// Forgets the readiness a guard saw (unless newer) and, where edges are emulated,
// re-arms the source.
POLLUX_EXEC_API void async_fd_clear(const IoHandle& handle,
                                    ErasedSource source,
                                    Interest interest,
                                    std::uint32_t ready,
                                    std::uint32_t tick) noexcept;

// One wait for readiness on a registration; the driver's waiter lives inside it (in
// the awaiting frame), so a wait allocates nothing. Destroying it while suspended
// unlinks the waiter. The waiter is built only when the await suspends: one that finds
// readiness reads the record's readiness word inline and calls nothing in the library.
class POLLUX_EXEC_API FdReadyWait {
 public:
  FdReadyWait(const IoHandle& handle, Interest registered, Interest wanted) noexcept
      : handle_(&handle), registered_(registered), wanted_(wanted) {}
  FdReadyWait(const FdReadyWait&) = delete;
  FdReadyWait& operator=(const FdReadyWait&) = delete;
  ~FdReadyWait() {
    if (waiting_) leave();
  }

  // failure: not registered (bad_file_descriptor), an Interest the registration lacks
  // (invalid_argument), the runtime shut down or the source deregistered
  // (bad_file_descriptor). Otherwise the readiness seen and the driver tick it came at.
  // An errc, not a std::error_code: an empty error_code costs a call into the standard
  // library (its category) on the path every await and try_io takes.
  struct Seen {
    std::errc failure{};
    std::uint32_t ready = 0;
    std::uint32_t tick = 0;
    bool failed() const noexcept { return failure != std::errc{}; }
    std::error_code error() const noexcept { return std::make_error_code(failure); }
  };
  // The readiness the driver holds for `wanted` now, without waiting.
  static Seen now(const IoHandle& handle, Interest registered, Interest wanted) noexcept {
    const IoRecordHead* record = handle.record();
    if (record == nullptr) return {std::errc::bad_file_descriptor};
    if (wanted.is_empty() || wanted.remove(registered) != Interest{}) {
      return {std::errc::invalid_argument};
    }
    const ReadyEvent ev = record->ready_event(ready::wanted(wanted));
    if ((ev.ready & ready::kShutdown) != 0) return {std::errc::bad_file_descriptor};
    return {{}, ev.ready, ev.tick};
  }

  bool await_ready() noexcept {
    seen_ = now(*handle_, registered_, wanted_);
    return seen_.failed() || seen_.ready != 0;
  }
  bool await_suspend(std::coroutine_handle<> h) noexcept;
  Seen await_resume() noexcept {
    if (waiting_) return resume_waiting();
    return seen_;
  }

 private:
  Seen resume_waiting() noexcept;
  void leave() noexcept;

  // Fits the driver's waiter (lib/exec/scheduled_io.hpp's Readiness): it lives in every
  // frame that awaits readiness, so it is kept to what that needs.
  static constexpr std::size_t kStorage = 56;
  const IoHandle* handle_;
  Interest registered_;
  Interest wanted_;
  bool waiting_ = false;  // storage_ holds the waiter
  Seen seen_;
  alignas(alignof(void*)) unsigned char storage_[kStorage];
};

}  // namespace detail

template <class S>
class AsyncFd;

/// What co_await fd.readable() / writable() / ready() gives on success.
template <class S>
class AsyncFdReadyGuard {
 public:
  AsyncFdReadyGuard() noexcept = default;

  /// The readiness the driver reported for this await.
  Ready ready() const noexcept { return Ready(ready_); }
  /// The source, to do the I/O on (through try_io, so that would-block is accounted for).
  S& get_ref() const noexcept { return fd_->source_; }
  /// The AsyncFd this guard came from.
  AsyncFd<S>& get_inner() const noexcept { return *fd_; }

  /// Forgets the readiness this guard saw (unless the driver saw a newer edge) and
  /// re-arms the source where edges are emulated. Call it after the source reported
  /// would-block; try_io does it for you.
  void clear_ready() noexcept {
    if (fd_ == nullptr) return;
    detail::async_fd_clear(fd_->io_, fd_->erased(), fd_->interest_, ready_, tick_);
    ready_ = 0;
  }

  /// Runs `f(get_ref())`, which returns a std::error_code or an IoResult<T>, and returns
  /// what it returned. When that is would-block, the readiness is cleared first (see
  /// clear_ready): await again. Any other result leaves the readiness as it was.
  template <class F>
  std::invoke_result_t<F&, S&> try_io(F&& f) {
    using R = std::invoke_result_t<F&, S&>;
    static_assert(std::is_same_v<R, std::error_code> || requires(R r) { r.error; },
                  "try_io's function returns a std::error_code or an IoResult<T>");
    R result = f(fd_->source_);
    if constexpr (std::is_same_v<R, std::error_code>) {
      if (is_would_block(result)) clear_ready();
    } else {
      if (is_would_block(result.error)) clear_ready();
    }
    return result;
  }

 private:
  friend class AsyncFd<S>;
  AsyncFdReadyGuard(AsyncFd<S>* fd, std::uint32_t ready, std::uint32_t tick) noexcept
      : fd_(fd), ready_(ready), tick_(tick) {}

  AsyncFd<S>* fd_ = nullptr;
  std::uint32_t ready_ = 0;
  std::uint32_t tick_ = 0;
};

/// Registers any pollux Source with the current runtime's I/O driver, for I/O that pollux
/// does not do itself (a raw fd through unix::SourceFd, a socket, a win::Binding or
/// win::NamedPipe), as tokio's AsyncFd: await readable()/writable()/ready() for a guard,
/// then do the I/O through the guard's try_io. Move-only; must outlive its awaits and
/// guards.
template <class S>
class AsyncFd {
  static_assert(Source<S>, "AsyncFd<S> needs a pollux Source");

 public:
  /// Registers `source` with the runtime whose task runs this, for `interest`. Errors:
  /// outside a runtime operation_not_permitted; what Registry::add answers (file_exists
  /// for a source another Poll holds, invalid_argument for an empty Interest, ...).
  static IoResult<AsyncFd> create(S source,
                                  Interest interest = Interest::readable | Interest::writable) {
    AsyncFd fd(std::move(source), interest);
    std::error_code ec = detail::async_fd_register(fd.io_, fd.erased(), interest);
    return IoResult<AsyncFd>{ec, std::move(fd)};
  }

  /// An AsyncFd that holds nothing: every wait reports bad_file_descriptor.
  AsyncFd()
    requires std::is_default_constructible_v<S>
  = default;
  ///@{
  /// Movable: the registration moves; assigning over one deregisters what it held.
  AsyncFd(AsyncFd&& other) noexcept
      : source_(std::move(other.source_)), interest_(other.interest_), io_(std::move(other.io_)) {}
  AsyncFd& operator=(AsyncFd&& other) noexcept {
    if (this != &other) {
      io_.deregister(source_);
      source_ = std::move(other.source_);
      interest_ = other.interest_;
      io_ = std::move(other.io_);
    }
    return *this;
  }
  ///@}
  AsyncFd(const AsyncFd&) = delete;
  AsyncFd& operator=(const AsyncFd&) = delete;
  /// Removes the source from the driver (it is not closed: S's own destructor decides).
  ~AsyncFd() { io_.deregister(source_); }

  /// Whether it holds a registration with a driver (false when empty, moved from, or
  /// after into_inner).
  bool is_registered() const noexcept { return io_.is_registered(); }
  /// The interest it was registered for.
  Interest interest() const noexcept { return interest_; }
  ///@{
  /// The source.
  S& get_ref() noexcept { return source_; }
  const S& get_ref() const noexcept { return source_; }
  ///@}

  /// Removes the source from the driver and gives it back.
  S into_inner() && {
    io_.deregister(source_);
    return std::move(source_);
  }

  class [[nodiscard]] Awaiter {
   public:
    Awaiter(AsyncFd& fd, Interest wanted) noexcept : fd_(fd), wait_(fd.io_, fd.interest_, wanted) {}
    bool await_ready() noexcept { return wait_.await_ready(); }
    bool await_suspend(std::coroutine_handle<> h) noexcept { return wait_.await_suspend(h); }
    IoResult<AsyncFdReadyGuard<S>> await_resume() noexcept {
      const auto seen = wait_.await_resume();
      if (seen.failed()) return {seen.error(), {}};
      return {{}, AsyncFdReadyGuard<S>(&fd_, seen.ready, seen.tick)};
    }

   private:
    AsyncFd& fd_;
    detail::FdReadyWait wait_;
  };

  /// Waits until the source is readable (or read-closed, or in error). Needs readable
  /// interest (invalid_argument otherwise).
  Awaiter readable() noexcept { return Awaiter(*this, Interest::readable); }
  /// Waits until the source is writable (or write-closed, or in error).
  Awaiter writable() noexcept { return Awaiter(*this, Interest::writable); }
  /// Waits for any readiness in `interest`.
  Awaiter ready(Interest interest) noexcept { return Awaiter(*this, interest); }

 private:
  friend class AsyncFdReadyGuard<S>;
  AsyncFd(S source, Interest interest) : source_(std::move(source)), interest_(interest) {}
  detail::ErasedSource erased() noexcept {
    return {&source_, detail::kAddSource<S>, detail::kModifySource<S>};
  }

  S source_;
  Interest interest_;
  detail::IoHandle io_;
};

}  // namespace pollux::exec
