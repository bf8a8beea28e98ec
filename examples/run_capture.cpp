// SPDX-License-Identifier: MIT
// run_capture CMD [ARGS...]: runs CMD without a shell, its stdout and stderr piped, and
// streams both line by line as they come, prefixed "out| " and "err| ", all on one Poll
// in one thread; then prints "exited with N" (or, on Unix, "killed by signal N"). Exits
// 0 once the child has ended, 1 when it could not be started or watched, 2 on bad usage.

#include <pollux/pollux.hpp>

#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace {

int fail(const char* what, const std::error_code& ec) {
  std::fprintf(stderr, "run_capture: %s: %s\n", what, ec.message().c_str());
  return 1;
}

// One output stream: its pipe, its prefix, and the part of a line not yet ended.
struct Stream {
  pollux::ChildOutput* pipe;
  const char* prefix;
  std::string partial;

  // A line ends in LF or CRLF (what a Windows program writes in text mode, e.g. cmd.exe):
  // the CR is not part of the line.
  void print_lines() {
    std::size_t start = 0;
    for (std::size_t nl; (nl = partial.find('\n', start)) != std::string::npos; start = nl + 1) {
      const std::size_t end = nl > start && partial[nl - 1] == '\r' ? nl - 1 : nl;
      std::printf("%s%.*s\n", prefix, static_cast<int>(end - start), partial.data() + start);
    }
    partial.erase(0, start);
  }

  // Reads until would-block; at end-of-file prints what is left and closes the pipe.
  std::error_code drain(const pollux::Registry& registry) {
    char buf[4096];
    while (pipe->is_open()) {
      std::error_code ec;
      const std::size_t n = pipe->read(std::as_writable_bytes(std::span(buf)), ec);
      if (pollux::is_would_block(ec)) return {};
      if (ec) return ec;
      if (n == 0) {
        if (!partial.empty()) partial += '\n';  // a last line without its newline
        print_lines();
        if ((ec = registry.remove(*pipe))) return ec;
        pipe->close();
        return {};
      }
      partial.append(buf, n);
      print_lines();
    }
    return {};
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: run_capture CMD [ARGS...]\n");
    return 2;
  }
  std::error_code ec;
  auto poll = pollux::Poll::create(ec);
  if (ec) return fail("cannot create a poll", ec);
  pollux::Command command(argv[1]);
  for (int i = 2; i < argc; ++i) command.arg(argv[i]);
  command.set_stdin(pollux::Stdio::null)
      .set_stdout(pollux::Stdio::piped)
      .set_stderr(pollux::Stdio::piped);
  pollux::Child child = command.spawn(ec);
  if (ec) return fail((std::string("cannot start ") + argv[1]).c_str(), ec);

  Stream streams[2] = {{&child.stdout_pipe(), "out| ", {}}, {&child.stderr_pipe(), "err| ", {}}};
  const auto& registry = poll.registry();
  constexpr pollux::Token kExit{0};
  if ((ec = registry.add(child.process(), kExit, pollux::Interest::readable)) ||
      (ec = registry.add(child.stdout_pipe(), pollux::Token(1), pollux::Interest::readable)) ||
      (ec = registry.add(child.stderr_pipe(), pollux::Token(2), pollux::Interest::readable))) {
    return fail("cannot watch the child", ec);
  }
  // The exit may come before the last output is read: report it once both pipes ended.
  std::optional<pollux::ExitStatus> status;
  pollux::Events events(8);
  while (!status || streams[0].pipe->is_open() || streams[1].pipe->is_open()) {
    if ((ec = poll.poll(events, std::nullopt))) return fail("poll failed", ec);
    for (const auto& event : events) {
      if (event.token() == kExit) {
        if (status) continue;
        auto s = child.exit_status(ec);
        if (pollux::is_would_block(ec)) continue;  // a spurious event
        if (ec) return fail("cannot read the exit status", ec);
        status = s;
      } else if ((ec = streams[event.token().value() - 1].drain(registry))) {
        return fail("cannot read the child's output", ec);
      }
    }
    std::fflush(stdout);
  }
  if (auto signal = status->signal()) {
    std::printf("killed by signal %d\n", *signal);
  } else {
    std::printf("exited with %d\n", *status->code());
  }
  return 0;
}
