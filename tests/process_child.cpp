// SPDX-License-Identifier: MIT
// The child that the process suites spawn: portable, so they need no shell.
//   process_child exit N        exits with code N
//   process_child sleep MS [N]  sleeps MS milliseconds, then exits with code N (default 0)
//   process_child hash ARGS...  exits with test::args_hash(ARGS)
//   process_child pipe OUT ERR IN
//                  writes OUT bytes to stdout and ERR to stderr (test::pattern_byte) while
//                  it reads stdin to its end; exits 0 if stdin held exactly IN such bytes
//   process_child echo          copies stdin to stdout until end-of-file
//   process_child spew          writes to stdout until it is killed (or the pipe breaks)
//   process_child lines N       prints two lines to stdout, one to stderr, exits with N
//   process_child env NAME      prints $NAME (or "<unset>") to stdout
//   process_child cwd           prints the working directory to stdout

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <thread>
#include <vector>

#if defined(_WIN32)
#include <fcntl.h>
#include <io.h>
#endif

#include "process_child.hpp"

namespace {

void write_pattern(std::FILE* to, std::size_t count, unsigned stream) {
  std::vector<unsigned char> buf(64 * 1024);
  std::size_t done = 0;
  while (done < count) {
    const std::size_t n = std::min(buf.size(), count - done);
    for (std::size_t i = 0; i < n; ++i) buf[i] = test::pattern_byte(done + i, stream);
    if (std::fwrite(buf.data(), 1, n, to) != n) return;
    done += n;
  }
  std::fflush(to);
}

// Reads stdin to its end; true when it held exactly `count` pattern bytes of stream 0.
bool read_pattern(std::size_t count) {
  std::vector<unsigned char> buf(64 * 1024);
  std::size_t done = 0;
  bool good = true;
  for (;;) {
    const std::size_t n = std::fread(buf.data(), 1, buf.size(), stdin);
    if (n == 0) break;
    for (std::size_t i = 0; i < n; ++i) good = good && buf[i] == test::pattern_byte(done + i, 0);
    done += n;
  }
  return good && done == count;
}

int pipe_mode(std::size_t out, std::size_t err, std::size_t in) {
  // All three at once, as a real filter might: a parent that serves them one after
  // another deadlocks with us once a pipe is full.
  std::thread to_out([out] { write_pattern(stdout, out, 1); });
  std::thread to_err([err] { write_pattern(stderr, err, 2); });
  const bool good = read_pattern(in);
  to_out.join();
  to_err.join();
  return good ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
#if defined(_WIN32)
  // Bytes, not text: no CR added before LF, no end at ^Z.
  _setmode(_fileno(stdin), _O_BINARY);
  _setmode(_fileno(stdout), _O_BINARY);
  _setmode(_fileno(stderr), _O_BINARY);
#endif
  if (argc >= 3 && std::strcmp(argv[1], "exit") == 0) return std::atoi(argv[2]);
  if (argc >= 3 && std::strcmp(argv[1], "sleep") == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(argv[2])));
    return argc >= 4 ? std::atoi(argv[3]) : 0;
  }
  if (argc >= 2 && std::strcmp(argv[1], "hash") == 0) {
    std::vector<std::string_view> args(argv + 2, argv + argc);
    return test::args_hash(args.data(), static_cast<int>(args.size()));
  }
  if (argc >= 5 && std::strcmp(argv[1], "pipe") == 0) {
    return pipe_mode(std::strtoull(argv[2], nullptr, 10), std::strtoull(argv[3], nullptr, 10),
                     std::strtoull(argv[4], nullptr, 10));
  }
  if (argc >= 2 && std::strcmp(argv[1], "echo") == 0) {
    std::vector<char> buf(16 * 1024);
    for (;;) {
      const std::size_t n = std::fread(buf.data(), 1, buf.size(), stdin);
      if (n == 0) return 0;
      if (std::fwrite(buf.data(), 1, n, stdout) != n) return 4;
      std::fflush(stdout);
    }
  }
  if (argc >= 2 && std::strcmp(argv[1], "spew") == 0) {
    std::vector<char> buf(16 * 1024, 'x');
    while (std::fwrite(buf.data(), 1, buf.size(), stdout) == buf.size()) {
    }
    return 5;
  }
  if (argc >= 3 && std::strcmp(argv[1], "lines") == 0) {
    std::fputs("one\n", stdout);
    std::fflush(stdout);
    std::fputs("bad\n", stderr);
    std::fflush(stderr);
    std::fputs("two\n", stdout);
    return std::atoi(argv[2]);
  }
  if (argc >= 3 && std::strcmp(argv[1], "env") == 0) {
    const char* value = std::getenv(argv[2]);
    std::fputs(value != nullptr ? value : "<unset>", stdout);
    return 0;
  }
  if (argc >= 2 && std::strcmp(argv[1], "cwd") == 0) {
    std::fputs(std::filesystem::current_path().string().c_str(), stdout);
    return 0;
  }
  return 100;
}
