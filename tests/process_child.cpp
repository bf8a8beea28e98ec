// SPDX-License-Identifier: MIT
// The child that the process suites spawn: portable, so they need no shell.
//   process_child exit N        exits with code N
//   process_child sleep MS [N]  sleeps MS milliseconds, then exits with code N (default 0)
//   process_child hash ARGS...  exits with test::args_hash(ARGS)

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <thread>
#include <vector>

#include "process_child.hpp"

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "exit") == 0) return std::atoi(argv[2]);
  if (argc >= 3 && std::strcmp(argv[1], "sleep") == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(argv[2])));
    return argc >= 4 ? std::atoi(argv[3]) : 0;
  }
  if (argc >= 2 && std::strcmp(argv[1], "hash") == 0) {
    std::vector<std::string_view> args(argv + 2, argv + argc);
    return test::args_hash(args.data(), static_cast<int>(args.size()));
  }
  return 100;
}
