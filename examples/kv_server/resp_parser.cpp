// SPDX-License-Identifier: MIT
// RESP2 request parsing: see resp_parser.hpp.

#include "resp_parser.hpp"

#include <cstring>

namespace kv {

namespace {

// A header line ("*N" or "$N") longer than this is malformed, not incomplete.
constexpr std::size_t kMaxHeader = 32;

// The line at data[pos..]: its end (the '\r' of "\r\n"), or npos while incomplete.
std::size_t line_end(std::string_view data, std::size_t pos) {
  const void* cr = std::memchr(data.data() + pos, '\r', data.size() - pos);
  if (cr == nullptr) return std::string_view::npos;
  const auto end = static_cast<std::size_t>(static_cast<const char*>(cr) - data.data());
  return end + 1 < data.size() ? end : std::string_view::npos;
}

// A decimal integer (optionally negative); false if not exactly that.
bool parse_int(std::string_view s, std::int64_t& out) {
  bool neg = false;
  if (!s.empty() && s[0] == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 18) return false;
  std::int64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = neg ? -v : v;
  return true;
}

}  // namespace

void RequestParser::reset() noexcept {
  spans_.clear();
  args_.clear();
  pos_ = 0;
  needed_ = 0;
  argc_ = -1;
  bulk_ = -1;
}

ParseStatus RequestParser::fail(const char* message) {
  error_ = message;
  return ParseStatus::error;
}

ParseStatus RequestParser::parse(std::string_view data) {
  if (argc_ < 0) {
    if (data.empty()) return ParseStatus::incomplete;
    if (data[0] != '*') {
      // redis takes a line that is not an array as an inline command; a line that starts
      // like another RESP type is no command, so it is refused (redis would run "$5").
      if (data[0] == '$' || data[0] == ':' || data[0] == '+' || data[0] == '-') {
        error_ = "Protocol error: expected '*', got '";
        error_ += data[0];
        error_ += '\'';
        return ParseStatus::error;
      }
      return parse_inline(data);
    }
    const std::size_t end = line_end(data, 0);
    if (end == std::string_view::npos) {
      return data.size() > kMaxHeader ? fail("Protocol error: invalid multibulk length")
                                      : ParseStatus::incomplete;
    }
    std::int64_t n = 0;
    if (end > kMaxHeader || !parse_int(data.substr(1, end - 1), n) ||
        n > static_cast<std::int64_t>(kMaxArgs)) {
      return fail("Protocol error: invalid multibulk length");
    }
    pos_ = end + 2;
    if (n <= 0) return ParseStatus::empty;
    argc_ = n;
    spans_.reserve(static_cast<std::size_t>(n < 64 ? n : 64));
  }
  while (static_cast<std::int64_t>(spans_.size()) < argc_) {
    if (bulk_ < 0) {
      const std::size_t end = line_end(data, pos_);
      if (end == std::string_view::npos) {
        return data.size() - pos_ > kMaxHeader ? fail("Protocol error: invalid bulk length")
                                               : ParseStatus::incomplete;
      }
      if (data[pos_] != '$') {
        error_ = "Protocol error: expected '$', got '";
        error_ += data[pos_];
        error_ += '\'';
        return ParseStatus::error;
      }
      std::int64_t len = 0;
      if (end - pos_ > kMaxHeader || !parse_int(data.substr(pos_ + 1, end - pos_ - 1), len) ||
          len < 0 || static_cast<std::size_t>(len) > kMaxRequest) {
        return fail("Protocol error: invalid bulk length");
      }
      bulk_ = len;
      pos_ = end + 2;
    }
    const std::size_t total = pos_ + static_cast<std::size_t>(bulk_) + 2;
    if (total > kMaxRequest) return fail("Protocol error: request too large");
    if (data.size() < total) {
      needed_ = total;
      return ParseStatus::incomplete;
    }
    if (data[total - 2] != '\r' || data[total - 1] != '\n') {
      return fail("Protocol error: bulk string not followed by CRLF");
    }
    spans_.push_back({static_cast<std::uint32_t>(pos_), static_cast<std::uint32_t>(bulk_)});
    pos_ = total;
    bulk_ = -1;
  }
  needed_ = 0;
  args_.reserve(spans_.size());
  for (const Span s : spans_) args_.push_back(data.substr(s.offset, s.size));
  return ParseStatus::complete;
}

ParseStatus RequestParser::parse_inline(std::string_view data) {
  const std::size_t nl = data.find('\n');
  if (nl == std::string_view::npos) {
    return data.size() > kMaxInline ? fail("Protocol error: too big inline request")
                                    : ParseStatus::incomplete;
  }
  pos_ = nl + 1;
  std::string_view line = data.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // Words split at spaces; redis's quoting ("a b", escapes) is not supported.
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) args_.push_back(line.substr(start, i - start));
  }
  return args_.empty() ? ParseStatus::empty : ParseStatus::complete;
}

}  // namespace kv
