// SPDX-License-Identifier: MIT
#pragma once
// Shared by tests/process_child.cpp and the suites that spawn it.

#include <cstddef>
#include <string_view>

namespace test {

// What `process_child hash ARGS...` exits with: a checksum of its arguments that changes
// when one is altered, split or lost on the way to the child. Kept below 256 so that it
// survives Unix's 8-bit exit codes.
inline int args_hash(const std::string_view* args, int count) {
  unsigned h = 7;
  for (int i = 0; i < count; ++i) {
    for (unsigned char c : args[i]) h = (h * 31 + c) % 65521;
    h = (h * 31 + 1) % 65521;
  }
  return static_cast<int>(h % 251);
}

// Byte `i` of stream `stream` (0 stdin, 1 stdout, 2 stderr) in `process_child pipe`: a
// different period per stream, so a byte lost, doubled or crossed over shows.
inline unsigned char pattern_byte(std::size_t i, unsigned stream) {
  const unsigned period = stream == 0 ? 251 : stream == 1 ? 241 : 239;
  return static_cast<unsigned char>((i % period) ^ (stream * 0x55));
}

}  // namespace test
