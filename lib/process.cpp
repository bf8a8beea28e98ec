// SPDX-License-Identifier: MIT
// Process: the portable checks in front of the per-OS contract of lib/process_sys.hpp.

#include <pollux/process.hpp>

#include "readable_source.hpp"
#include "process_sys.hpp"

namespace pollux::inline POLLUX_ABI() {

Process Process::spawn(std::span<const std::string> argv, std::error_code& ec) {
  Process process;
  if (argv.empty() || argv[0].empty()) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return process;
  }
  // Both exec and CreateProcess take NUL-terminated strings: an embedded NUL would cut an
  // argument short without anyone noticing.
  for (const auto& arg : argv) {
    if (arg.find('\0') != std::string::npos) {
      ec = std::make_error_code(std::errc::invalid_argument);
      return process;
    }
  }
  process.state_.reset(sys::process_spawn(argv, ec));
  return process;
}

Process Process::adopt(Id id, std::error_code& ec) {
  Process process;
  if (id == 0) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return process;
  }
  process.state_.reset(sys::process_adopt(id, ec));
  return process;
}

Process::~Process() = default;

void Process::Deleter::operator()(sys::ProcessState* state) const noexcept {
  sys::process_destroy(state);
}

Process::Id Process::id() const noexcept { return state_ ? sys::process_id(*state_) : 0; }

ExitStatus Process::exit_status(std::error_code& ec) {
  if (!state_) {
    ec = detail::closed_source();
    return ExitStatus::exited(0);
  }
  return sys::process_exit_status(*state_, ec);
}

std::error_code Process::kill() noexcept {
  if (!state_) return detail::closed_source();
  return sys::process_kill(*state_);
}

std::error_code Process::add_to(const Registry& registry, Token token, Interest interest) {
  if (!state_) return detail::closed_source();
  if (auto ec = detail::check_readable_only(registry, interest)) return ec;
  return sys::process_add(*state_, registry, token);
}

std::error_code Process::modify_in(const Registry& registry, Token token, Interest interest) {
  if (!state_) return detail::closed_source();
  if (auto ec = detail::check_readable_only(registry, interest)) return ec;
  return sys::process_modify(*state_, registry, token);
}

std::error_code Process::remove_from(const Registry& registry) {
  if (!state_) return detail::closed_source();
  if (!registry.sys_selector()) return detail::closed_source();
  return sys::process_remove(*state_, registry);
}

}  // namespace pollux
