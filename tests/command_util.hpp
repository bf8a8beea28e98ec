// SPDX-License-Identifier: MIT
#pragma once
// Driving a pollux::Child's pipes and exit to the end with one Poll, for tests/command.cpp.

#include "util.hpp"

#include <pollux/command.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#if defined(_WIN32)
#include <windows.h>
#else
#include <csignal>
#endif

namespace test {

inline std::string command_child_path() {
  const char* path = std::getenv("POLLUX_TEST_CHILD");
  REQUIRE_MESSAGE(path != nullptr, "POLLUX_TEST_CHILD is not set (run through meson test)");
  return path;
}

/// What Process::kill leaves: SIGKILL on Unix, TerminateProcess's exit code 1 on Windows.
inline pollux::ExitStatus killed_status() {
#if defined(_WIN32)
  return pollux::ExitStatus::exited(1);
#else
  return pollux::ExitStatus::signaled(SIGKILL);
#endif
}

/// Open fds (Linux: /proc/self/fd) or handles (Windows), or -1 where unknown. Wine's
/// GetProcessHandleCount answers 0: then the handle values (multiples of 4) are probed
/// one by one up to 1024 free ones past the last open one; both Windows and Wine hand out
/// the lowest free slot, so a leak shows up below that.
inline long open_handle_count() {
#if defined(_WIN32)
  DWORD count = 0;
  if (GetProcessHandleCount(GetCurrentProcess(), &count) && count != 0) {
    return static_cast<long>(count);
  }
  long n = 0;
  for (std::uintptr_t value = 4, free_run = 0; free_run < 1024; value += 4) {
    DWORD flags = 0;
    if (GetHandleInformation(reinterpret_cast<HANDLE>(value), &flags)) {
      ++n;
      free_run = 0;
    } else {
      ++free_run;
    }
  }
  return n;
#else
  std::error_code ec;
  long n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return ec ? -1 : n;
#endif
}

struct Outcome {
  std::size_t written = 0;
  std::string out;
  std::string err;
  pollux::ExitStatus status = pollux::ExitStatus::exited(-1);
};

/// Feeds `input` to the child's stdin (then closes it), reads its stdout and stderr to
/// their ends and waits for its exit, all at once on `poll` (tokens 0 exit, 1 stdin,
/// 2 stdout, 3 stderr), as a single-threaded program must to avoid a deadlock. Fails if
/// nothing happens for 30 s. `stdout_registered`: token 2 is already in place.
inline Outcome run_to_end(pollux::Poll& poll,
                          pollux::Child& child,
                          std::string_view input,
                          bool stdout_registered = false) {
  using pollux::Interest;
  using pollux::Token;
  Outcome outcome;
  auto& registry = poll.registry();
  REQUIRE(!registry.add(child.process(), Token(0), Interest::readable));
  if (child.stdin_pipe().is_open()) {
    REQUIRE(!registry.add(child.stdin_pipe(), Token(1), Interest::writable));
  }
  if (child.stdout_pipe().is_open() && !stdout_registered) {
    REQUIRE(!registry.add(child.stdout_pipe(), Token(2), Interest::readable));
  }
  if (child.stderr_pipe().is_open()) {
    REQUIRE(!registry.add(child.stderr_pipe(), Token(3), Interest::readable));
  }
  bool exited = false;
  auto drain = [&](pollux::ChildOutput& pipe, std::string& into) {
    std::byte buf[64 * 1024];
    while (pipe.is_open()) {
      std::error_code ec;
      const std::size_t n = pipe.read(buf, ec);
      if (pollux::is_would_block(ec)) return;
      REQUIRE_MESSAGE(!ec, ec.message());
      if (n == 0) {
        REQUIRE(!registry.remove(pipe));
        pipe.close();
        return;
      }
      into.append(reinterpret_cast<const char*>(buf), n);
    }
  };
  auto feed = [&] {
    auto& pipe = child.stdin_pipe();
    while (pipe.is_open()) {
      if (outcome.written == input.size()) {
        REQUIRE(!registry.remove(pipe));
        pipe.close();  // end-of-file for the child
        return;
      }
      std::error_code ec;
      const auto rest = std::as_bytes(std::span(input).subspan(outcome.written));
      const std::size_t n = pipe.write(rest, ec);
      if (pollux::is_would_block(ec)) return;
      if (ec == std::errc::broken_pipe) {  // the child stopped reading: so be it
        REQUIRE(!registry.remove(pipe));
        pipe.close();
        return;
      }
      REQUIRE_MESSAGE(!ec, ec.message());
      outcome.written += n;
    }
  };
  auto check_exit = [&] {
    if (exited) return;
    std::error_code ec;
    const auto status = child.exit_status(ec);
    if (pollux::is_would_block(ec)) return;
    REQUIRE_MESSAGE(!ec, ec.message());
    outcome.status = status;
    exited = true;
  };
  pollux::Events events(16);
  feed();
  drain(child.stdout_pipe(), outcome.out);
  drain(child.stderr_pipe(), outcome.err);
  while (!exited || child.stdout_pipe().is_open() || child.stderr_pipe().is_open()) {
    REQUIRE(!poll.poll(events, std::chrono::seconds(30)));
    REQUIRE_MESSAGE(!events.empty(), "nothing happened for 30 s");
    for (const auto& event : events) {
      switch (event.token().value()) {
        case 0: check_exit(); break;
        case 1: feed(); break;
        case 2: drain(child.stdout_pipe(), outcome.out); break;
        case 3: drain(child.stderr_pipe(), outcome.err); break;
        default: FAIL("unexpected token " << event.token().value());
      }
    }
  }
  REQUIRE(!registry.remove(child.process()));
  if (child.stdin_pipe().is_open()) {
    REQUIRE(!registry.remove(child.stdin_pipe()));
    child.stdin_pipe().close();
  }
  return outcome;
}

}  // namespace test
