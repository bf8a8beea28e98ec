// SPDX-License-Identifier: MIT
// Command and Child: the builder, the portable checks, and the pipes' forwarding to the
// per-OS contract of lib/command_sys.hpp.

#include <pollux/command.hpp>
#include <pollux/would_block.hpp>

#include <string_view>

#include "command_sys.hpp"

namespace pollux::inline POLLUX_ABI() {

namespace {

std::error_code bad_state() noexcept {
  return std::make_error_code(std::errc::bad_file_descriptor);
}

bool has_nul(std::string_view s) noexcept { return s.find('\0') != std::string_view::npos; }

// exec and CreateProcess take NUL-terminated strings, so a NUL would cut a value short
// unnoticed; a name with '=' would be read back as another name with another value.
std::error_code check(const Command& command) noexcept {
  const auto invalid = std::make_error_code(std::errc::invalid_argument);
  if (command.program().empty() || has_nul(command.program())) return invalid;
  for (const auto& arg : command.arguments()) {
    if (has_nul(arg)) return invalid;
  }
  for (const auto& change : command.env_changes()) {
    if (change.key.empty() || change.key.find('=') != std::string::npos || has_nul(change.key))
      return invalid;
    if (change.value && has_nul(*change.value)) return invalid;
  }
  if (command.dir() && (command.dir()->empty() || has_nul(*command.dir()))) return invalid;
  return {};
}

}  // namespace

namespace detail {

void ChildPipeEnd::Deleter::operator()(sys::ChildPipe* pipe) const noexcept {
  sys::child_pipe_destroy(pipe);
}

std::error_code ChildPipeEnd::add_to(const Registry& registry, Token token, Interest interest) {
  if (!pipe_) return bad_state();
  return sys::child_pipe_add(*pipe_, registry, token, interest);
}

std::error_code ChildPipeEnd::modify_in(const Registry& registry, Token token,
                                        Interest interest) {
  if (!pipe_) return bad_state();
  return sys::child_pipe_modify(*pipe_, registry, token, interest);
}

std::error_code ChildPipeEnd::remove_from(const Registry& registry) {
  if (!pipe_) return bad_state();
  return sys::child_pipe_remove(*pipe_, registry);
}

std::size_t ChildPipeEnd::read_some(std::span<std::byte> buf, std::error_code& ec) {
  if (!pipe_) {
    ec = bad_state();
    return 0;
  }
  return sys::child_pipe_read(*pipe_, buf, ec);
}

std::size_t ChildPipeEnd::write_some(std::span<const std::byte> buf, std::error_code& ec) {
  if (!pipe_) {
    ec = bad_state();
    return 0;
  }
  return sys::child_pipe_write(*pipe_, buf, ec);
}

}  // namespace detail

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    kill_if_asked();
    process_ = std::move(other.process_);
    stdin_ = std::move(other.stdin_);
    stdout_ = std::move(other.stdout_);
    stderr_ = std::move(other.stderr_);
    kill_on_drop_ = std::exchange(other.kill_on_drop_, false);
  }
  return *this;
}

Child::~Child() { kill_if_asked(); }

void Child::kill_if_asked() noexcept {
  if (!kill_on_drop_ || !process_.is_open()) return;
  // A child whose exit was already collected is gone (its pid may be reused): only one
  // still running is killed, and through the pidfd or handle, never by pid.
  std::error_code ec;
  (void)process_.exit_status(ec);
  if (is_would_block(ec)) (void)process_.kill();
}

Command::Command(std::string program) : program_(std::move(program)) {}

Command& Command::arg(std::string value) {
  args_.push_back(std::move(value));
  return *this;
}

Command& Command::args(std::span<const std::string> values) {
  args_.insert(args_.end(), values.begin(), values.end());
  return *this;
}

Command& Command::env(std::string key, std::string value) {
  env_.push_back({std::move(key), std::move(value)});
  return *this;
}

Command& Command::env_remove(std::string key) {
  env_.push_back({std::move(key), std::nullopt});
  return *this;
}

Command& Command::env_clear() {
  env_.clear();
  env_clear_ = true;
  return *this;
}

Command& Command::current_dir(std::string dir) {
  dir_ = std::move(dir);
  return *this;
}

Child Command::spawn(std::error_code& ec) const {
  Child child;
  if ((ec = check(*this))) return child;
  sys::SpawnedChild made;
  if ((ec = sys::command_spawn(*this, made))) return child;
  child.process_ = detail::ProcessAccess::make(made.process);
  child.stdin_ = ChildStdin(made.pipes[0]);
  child.stdout_ = ChildStdout(made.pipes[1]);
  child.stderr_ = ChildStderr(made.pipes[2]);
  child.kill_on_drop_ = kill_on_drop_;
  return child;
}

}  // namespace pollux
