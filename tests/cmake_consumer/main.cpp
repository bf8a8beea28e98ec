// SPDX-License-Identifier: MIT
// Uses pollux and pollux-exec from an installed prefix found by find_package(pollux): the
// imported targets must carry the include path, the defines the headers need, and the
// link order (pollux::exec before pollux::pollux, then threads).
#include <pollux/exec/parker.hpp>
#include <pollux/exec/runtime.hpp>
#include <pollux/pollux.hpp>
#include <pollux/version.hpp>

#include <cstdio>

namespace {

pollux::exec::Task<int> answer() { co_return 42; }

int fail(const char* what, std::error_code ec) {
  std::printf("%s failed: %s\n", what, ec.message().c_str());
  return 1;
}

}  // namespace

int main() {
  std::error_code ec;
  auto poll = pollux::Poll::create(ec);
  if (ec) return fail("Poll::create", ec);
  // Nothing is registered: a zero timeout returns at once, with no event.
  pollux::Events events(1);
  ec = poll.poll(events, std::chrono::milliseconds(0));
  if (ec || !events.empty()) return fail("poll", ec);

  // An unpark before the park leaves a token, which even a zero-timeout park consumes.
  pollux::exec::Parker parker;
  parker.unpark();
  if (!parker.park_for(std::chrono::nanoseconds(0))) return fail("Parker", {});

  pollux::exec::RuntimeOptions options;
  options.flavor = pollux::exec::Flavor::current_thread;
  auto rt = pollux::exec::Runtime::create(options, ec);
  if (ec) return fail("Runtime::create", ec);
  if (rt.block_on(answer()) != 42) return fail("block_on", {});

  std::printf("cmake consumer ok (pollux %s)\n", POLLUX_VERSION_STRING);
  return 0;
}
