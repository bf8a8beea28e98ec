// The child that tests/process.cpp spawns: portable, so the suite needs no shell.
//   process_child exit N        exits with code N
//   process_child sleep MS [N]  sleeps MS milliseconds, then exits with code N (default 0)

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

int main(int argc, char** argv) {
  if (argc >= 3 && std::strcmp(argv[1], "exit") == 0) return std::atoi(argv[2]);
  if (argc >= 3 && std::strcmp(argv[1], "sleep") == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(argv[2])));
    return argc >= 4 ? std::atoi(argv[3]) : 0;
  }
  return 100;
}
