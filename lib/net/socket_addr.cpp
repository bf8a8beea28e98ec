// SPDX-License-Identifier: MIT
// SocketAddr's text forms and Unix-domain factories, in portable C++.

#include <pollux/net/socket_addr.hpp>

namespace pollux::inline POLLUX_ABI()::net {
namespace {

std::error_code bad_input() { return std::make_error_code(std::errc::invalid_argument); }

bool parse_decimal(std::string_view text, std::uint64_t max, std::uint64_t& out) {
  if (text.empty() || text.size() > 10) return false;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > max) return false;
  out = value;
  return true;
}

}  // namespace

SocketAddr SocketAddr::parse(std::string_view text, std::error_code& ec) {
  ec = bad_input();
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return {};
  std::uint64_t port = 0;
  if (!parse_decimal(text.substr(colon + 1), 65535, port)) return {};
  auto host = text.substr(0, colon);

  if (!host.empty() && host.front() == '[') {
    if (host.size() < 2 || host.back() != ']') return {};
    host = host.substr(1, host.size() - 2);
    std::uint64_t scope = 0;
    auto percent = host.find('%');
    if (percent != std::string_view::npos) {
      if (!parse_decimal(host.substr(percent + 1), UINT32_MAX, scope)) return {};
      host = host.substr(0, percent);
    }
    auto ip = Ipv6Addr::parse(host, ec);
    if (ec) return {};
    return SocketAddr(ip, static_cast<std::uint16_t>(port), 0, static_cast<std::uint32_t>(scope));
  }
  auto ip = Ipv4Addr::parse(host, ec);
  if (ec) return {};
  return SocketAddr(ip, static_cast<std::uint16_t>(port));
}

SocketAddr SocketAddr::unix_path(std::string_view path, std::error_code& ec) {
  if (path.empty() || path.find('\0') != std::string_view::npos) {
    ec = bad_input();
    return {};
  }
  if (path.size() > kMaxUnixPath) {
    ec = std::make_error_code(std::errc::filename_too_long);
    return {};
  }
  ec.clear();
  SocketAddr addr = unix_unnamed();
  addr.path_ = path;
  return addr;
}

SocketAddr SocketAddr::unix_abstract(std::string_view name, std::error_code& ec) {
  if (name.size() > kMaxUnixPath) {
    ec = std::make_error_code(std::errc::filename_too_long);
    return {};
  }
  ec.clear();
  SocketAddr addr = unix_unnamed();
  addr.abstract_ = true;
  addr.path_ = name;
  return addr;
}

SocketAddr SocketAddr::unix_unnamed() noexcept {
  SocketAddr addr;
  addr.family_ = Family::unix_domain;
  return addr;
}

std::string SocketAddr::to_string() const {
  switch (family_) {
    // Appending only: GCC 12 at -O3 reports a false -Wrestrict overlap in
    // operator+(const char*, std::string&&) (GCC PR 105329), which a consumer's
    // -Dwerror=true would turn into a build failure.
    case Family::ipv4:
      return v4_.to_string().append(":").append(std::to_string(port_));
    case Family::ipv6: {
      std::string s("[");
      s.append(v6_.to_string());
      if (scope_id_ != 0) s.append("%").append(std::to_string(scope_id_));
      return s.append("]:").append(std::to_string(port_));
    }
    case Family::unix_domain:
      if (abstract_) return "@" + path_;
      return path_.empty() ? std::string("(unnamed)") : path_;
    case Family::unspecified:
      break;
  }
  return "(unspecified)";
}

}  // namespace pollux::net
