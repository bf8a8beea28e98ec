// SPDX-License-Identifier: MIT
#pragma once
// ReadBuffer: a connection's input, reused from read to read. Never cleared (a read writes
// only what it returns); it grows only to hold one request, which the parser bounds
// (kMaxRequest), and goes back to nothing when a large request is done.

#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>

#include "resp_parser.hpp"

namespace kv {

class ReadBuffer {
 public:
  static constexpr std::size_t kInitial = std::size_t{16} << 10;
  // Less room than this after the pending bytes: move them to the front first, so that a
  // pipelined request cut at the buffer's end is not read a few bytes at a time.
  static constexpr std::size_t kMinRead = std::size_t{4} << 10;

  /// The bytes read and not yet consumed: the start of the next request.
  std::string_view pending() const noexcept { return {data_.get() + begin_, end_ - begin_}; }
  void consume(std::size_t n) noexcept {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  /// Space to read into, enough for the pending request to reach `need` bytes (or at
  /// least one more byte): moves the pending bytes to the front or grows, as needed.
  std::span<std::byte> space(std::size_t need) {
    const std::size_t have = end_ - begin_;
    if (need <= have) need = have + 1;
    if (end_ == cap_ || cap_ - begin_ < need || (begin_ != 0 && cap_ - end_ < kMinRead)) {
      if (cap_ >= need) {
        std::memmove(data_.get(), data_.get() + begin_, have);
      } else {
        std::size_t cap = cap_ < kInitial ? kInitial : cap_ * 2;
        if (cap < need) cap = need;
        if (cap > kMaxRequest && need <= kMaxRequest) cap = kMaxRequest;
        std::unique_ptr<char[]> bigger(new char[cap]);  // uninitialised on purpose
        if (have != 0) std::memcpy(bigger.get(), data_.get() + begin_, have);
        data_ = std::move(bigger);
        cap_ = cap;
      }
      begin_ = 0;
      end_ = have;
    }
    return {reinterpret_cast<std::byte*>(data_.get() + end_), cap_ - end_};
  }
  void commit(std::size_t n) noexcept { end_ += n; }
  /// Between requests: frees a buffer that a large request grew.
  void release_if_large() noexcept {
    if (begin_ == end_ && cap_ > kInitial) {
      data_.reset();
      cap_ = begin_ = end_ = 0;
    }
  }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t cap_ = 0;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

}  // namespace kv
