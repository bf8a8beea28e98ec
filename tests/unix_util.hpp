// SPDX-License-Identifier: MIT
#pragma once
// Helpers for the Unix-socket suites: a private temporary directory for socket paths.

#include "net_util.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <string>

namespace test {

/// A fresh directory under $TMPDIR (or /tmp), removed with the files named through it.
class TempDir {
 public:
  TempDir() {
    const char* base = ::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/pollux-XXXXXX";
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    for (const auto& f : files_) ::unlink(f.c_str());
    ::rmdir(dir_.c_str());
  }

  std::string path(const std::string& name) {
    files_.push_back(dir_ + "/" + name);
    return files_.back();
  }

  pollux::net::SocketAddr addr(const std::string& name) {
    std::error_code ec;
    auto a = pollux::net::SocketAddr::unix_path(path(name), ec);
    REQUIRE_MESSAGE(!ec, ec.message());
    return a;
  }

 private:
  std::string dir_;
  std::vector<std::string> files_;
};

/// An abstract name unique to this process and call.
inline pollux::net::SocketAddr unique_abstract(const char* what) {
  static int counter = 0;
  std::error_code ec;
  auto a = pollux::net::SocketAddr::unix_abstract(
      std::string("pollux-test-") + what + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter), ec);
  REQUIRE(!ec);
  return a;
}

}  // namespace test
