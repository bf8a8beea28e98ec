// SPDX-License-Identifier: MIT
#pragma once
// RequestParser: one RESP2 request (an array of bulk strings, or an inline command line
// as redis accepts them), parsed incrementally from the bytes a connection has buffered.
//
// The request starts at data[0] of each call; the caller appends what it reads and calls
// again. The parser keeps where it stopped (arguments as offsets from the request's start)
// so a large request is never rescanned, and it says how many bytes the request needs in
// all once a bulk length is known, so the buffer grows once to that size and no further.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kv {

/// Limits that keep one connection's memory bounded. A request (all of its bytes) may
/// not exceed kMaxRequest: 64 MiB, below redis's 512 MiB bulk limit, because this
/// server buffers a whole request before running it.
inline constexpr std::size_t kMaxRequest = std::size_t{64} << 20;
inline constexpr std::size_t kMaxArgs = std::size_t{1} << 20;
inline constexpr std::size_t kMaxInline = std::size_t{64} << 10;

enum class ParseStatus : std::uint8_t {
  complete,    // args() holds the request; consumed() bytes are its
  empty,       // an empty request (a blank line, "*0"): skip consumed() bytes
  incomplete,  // more bytes needed; needed() says how many in all, if known
  error,       // malformed or too large: reply error() and close the connection
};

class RequestParser {
 public:
  /// Parses on from where the last call stopped; `data` holds the request from its start.
  ParseStatus parse(std::string_view data);
  /// The arguments of a complete request, pointing into the `data` last parsed.
  const std::vector<std::string_view>& args() const noexcept { return args_; }
  /// Bytes of the request just completed (or skipped as empty).
  std::size_t consumed() const noexcept { return pos_; }
  /// With incomplete: the size the request will have at least (0 when not known yet).
  std::size_t needed() const noexcept { return needed_; }
  /// With error: the message, without the "-ERR " and CRLF.
  const std::string& error() const noexcept { return error_; }
  /// Forgets the request, for the next one.
  void reset() noexcept;

 private:
  ParseStatus fail(const char* message);
  ParseStatus parse_inline(std::string_view data);

  struct Span {
    std::uint32_t offset;
    std::uint32_t size;
  };
  std::vector<Span> spans_;            // arguments parsed so far
  std::vector<std::string_view> args_;  // spans_ over the data, once complete
  std::string error_;
  std::size_t pos_ = 0;       // where parsing resumes, from the request's start
  std::size_t needed_ = 0;
  std::int64_t argc_ = -1;    // -1: the "*N" header is not read yet
  std::int64_t bulk_ = -1;    // the pending bulk's length, once its header is read
};

}  // namespace kv
