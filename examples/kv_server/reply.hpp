// SPDX-License-Identifier: MIT
#pragma once
// RESP2 replies appended to a connection's output buffer, and redis's integer syntax.

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace kv {

// Out of line: inlined, GCC 12's -Wrestrict misreads the append (a false positive).
[[gnu::noinline]] inline void append_int_text(std::string& out, std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

/// ":v\r\n"
inline void append_int(std::string& out, std::int64_t v) {
  out += ':';
  append_int_text(out, v);
  out += "\r\n";
}

/// "$len\r\ndata\r\n"
inline void append_bulk(std::string& out, std::string_view s) {
  out += '$';
  append_int_text(out, static_cast<std::int64_t>(s.size()));
  out += "\r\n";
  out += s;
  out += "\r\n";
}

/// "*n\r\n", followed by n elements.
inline void append_array(std::string& out, std::size_t n) {
  out += '*';
  append_int_text(out, static_cast<std::int64_t>(n));
  out += "\r\n";
}

/// "-ERR message\r\n" (or another prefix the message carries itself, as "WRONGTYPE").
inline void append_error(std::string& out, std::string_view message) {
  out += "-ERR ";
  out += message;
  out += "\r\n";
}

/// A signed decimal without sign junk, leading zeros or spaces, as redis's string2ll.
inline bool parse_integer(std::string_view s, std::int64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  if (s.size() > 1 && (s[0] == '0' || (s[0] == '-' && s[1] == '0'))) return false;
  if (s[0] == '+') return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace kv
