// SPDX-License-Identifier: MIT
// wait_process CMD [ARGS...]: spawns CMD without a shell, waits for it on a Poll and prints
// "exited with N" (or, on Unix, "killed by signal N"). Exits 0 once the child has ended,
// 1 with a message when it could not be started or watched, 2 on bad usage.

#include <pollux/pollux.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace {

int fail(const char* what, const std::error_code& ec) {
  std::fprintf(stderr, "wait_process: %s: %s\n", what, ec.message().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: wait_process CMD [ARGS...]\n");
    return 2;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  std::error_code ec;
  auto poll = pollux::Poll::create(ec);
  if (ec) return fail("cannot create a poll", ec);
  auto child = pollux::Process::spawn(args, ec);
  if (ec) return fail(("cannot start " + args[0]).c_str(), ec);
  constexpr pollux::Token kChild{0};
  if ((ec = poll.registry().add(child, kChild, pollux::Interest::readable))) {
    return fail("cannot watch the child", ec);
  }
  pollux::Events events(4);
  for (;;) {
    if ((ec = poll.poll(events, std::nullopt))) return fail("poll failed", ec);
    for (const auto& event : events) {
      if (event.token() != kChild) continue;
      auto status = child.exit_status(ec);
      if (pollux::is_would_block(ec)) continue;  // a spurious event
      if (ec) return fail("cannot read the exit status", ec);
      if (auto signal = status.signal()) {
        std::printf("killed by signal %d\n", *signal);
      } else {
        std::printf("exited with %d\n", *status.code());
      }
      return 0;
    }
  }
}
