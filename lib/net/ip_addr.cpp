// SPDX-License-Identifier: MIT
// Text forms of IP addresses, parsed and printed in portable C++ (no inet_pton/ntop), so
// every OS reads and writes the same strings.

#include <pollux/net/ip_addr.hpp>

#include <cstdio>

namespace pollux::inline POLLUX_ABI()::net {
namespace {

std::error_code bad_input() { return std::make_error_code(std::errc::invalid_argument); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One dotted-decimal part: 1-3 digits, at most 255, no leading zero (leading zeros mean
// octal to inet_aton, so accepting them would make the same text two addresses).
bool parse_decimal_octet(std::string_view part, std::uint8_t& out) {
  if (part.empty() || part.size() > 3) return false;
  if (part.size() > 1 && part[0] == '0') return false;
  unsigned value = 0;
  for (char c : part) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 255) return false;
  out = static_cast<std::uint8_t>(value);
  return true;
}

bool parse_v4(std::string_view text, std::array<std::uint8_t, 4>& out) {
  for (int i = 0; i < 4; ++i) {
    auto dot = text.find('.');
    if ((i < 3) != (dot != std::string_view::npos)) return false;
    auto part = text.substr(0, dot);
    if (!parse_decimal_octet(part, out[i])) return false;
    text = i < 3 ? text.substr(dot + 1) : std::string_view{};
  }
  return true;
}

// Groups of up to four hex digits separated by ':'; appends their values to `groups`.
// The last piece may be a dotted IPv4 address when `allow_v4_tail` (worth two groups).
bool parse_v6_groups(std::string_view text, bool allow_v4_tail, std::uint16_t* groups, int& count) {
  if (text.empty()) return true;
  while (true) {
    auto colon = text.find(':');
    auto piece = text.substr(0, colon);
    if (colon == std::string_view::npos && allow_v4_tail && piece.find('.') != std::string_view::npos) {
      std::array<std::uint8_t, 4> v4{};
      if (count > 6 || !parse_v4(piece, v4)) return false;
      groups[count++] = static_cast<std::uint16_t>(v4[0] << 8 | v4[1]);
      groups[count++] = static_cast<std::uint16_t>(v4[2] << 8 | v4[3]);
      return true;
    }
    if (piece.empty() || piece.size() > 4 || count >= 8) return false;
    unsigned value = 0;
    for (char c : piece) {
      int h = hex_value(c);
      if (h < 0) return false;
      value = value * 16 + static_cast<unsigned>(h);
    }
    groups[count++] = static_cast<std::uint16_t>(value);
    if (colon == std::string_view::npos) return true;
    text = text.substr(colon + 1);
  }
}

}  // namespace

Ipv4Addr Ipv4Addr::parse(std::string_view text, std::error_code& ec) {
  std::array<std::uint8_t, 4> octets{};
  if (!parse_v4(text, octets)) {
    ec = bad_input();
    return {};
  }
  ec.clear();
  return Ipv4Addr(octets);
}

std::string Ipv4Addr::to_string() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", octets_[0], octets_[1], octets_[2], octets_[3]);
  return buf;
}

Ipv6Addr Ipv6Addr::parse(std::string_view text, std::error_code& ec) {
  ec = bad_input();
  std::uint16_t head[8] = {}, tail[8] = {};
  int head_count = 0, tail_count = 0;
  auto gap = text.find("::");
  if (gap == std::string_view::npos) {
    if (!parse_v6_groups(text, true, head, head_count) || head_count != 8) return {};
  } else {
    auto before = text.substr(0, gap);
    auto after = text.substr(gap + 2);
    if (after.find("::") != std::string_view::npos) return {};
    if (!parse_v6_groups(before, false, head, head_count)) return {};
    if (!parse_v6_groups(after, true, tail, tail_count)) return {};
    // "::" stands for at least one zero group.
    if (head_count + tail_count > 7) return {};
  }
  std::array<std::uint8_t, 16> octets{};
  auto put = [&](int index, std::uint16_t group) {
    octets[2 * index] = static_cast<std::uint8_t>(group >> 8);
    octets[2 * index + 1] = static_cast<std::uint8_t>(group & 0xff);
  };
  for (int i = 0; i < head_count; ++i) put(i, head[i]);
  for (int i = 0; i < tail_count; ++i) put(8 - tail_count + i, tail[i]);
  ec.clear();
  return Ipv6Addr(octets);
}

std::string Ipv6Addr::to_string() const {
  std::uint16_t groups[8];
  for (int i = 0; i < 8; ++i) groups[i] = static_cast<std::uint16_t>(octets_[2 * i] << 8 | octets_[2 * i + 1]);

  // RFC 5952 4.2: compress the longest run of two or more zero groups, the first if tied.
  int best_start = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && groups[j] == 0) ++j;
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }

  // RFC 5952 5: IPv4-mapped addresses keep their dotted tail.
  const bool mapped = best_start == 0 && best_len == 5 && groups[5] == 0xffff;
  std::string out;
  char buf[8];
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      out += "::";
      i += best_len - 1;
      continue;
    }
    if (mapped && i == 6) {
      out += ':';
      out += Ipv4Addr(octets_[12], octets_[13], octets_[14], octets_[15]).to_string();
      break;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", groups[i]);
    out += buf;
  }
  return out;
}

}  // namespace pollux::net
