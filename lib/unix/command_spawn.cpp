// SPDX-License-Identifier: MIT
// Command on Linux: the child's streams are pipes (or /dev/null) that the clone3 child
// moves onto fds 0-2 with dup2 before exec, as posix_spawn's file actions would. Every fd
// made here is close-on-exec from the start, so a child that another thread starts at the
// same time inherits none of them; only the dup2'd copies (which carry no close-on-exec)
// reach our own child. The parent's ends are non-blocking; the child's ends stay
// blocking, since the O_NONBLOCK flag belongs to the shared open file and a child would
// otherwise see EAGAIN on its own stdout.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <pollux/unix/pipe.hpp>

#include "../command_sys.hpp"
#include "errno.hpp"
#include "process_spawn.hpp"

extern char** environ;

namespace pollux::inline POLLUX_ABI()::sys {

struct ChildPipe {
  unix::Sender sender;      // our end of the child's stdin
  unix::Receiver receiver;  // our end of its stdout or stderr
};

namespace {

// The fds the child takes over, closed in the parent however the spawn ends.
struct ChildFds {
  std::vector<int> fds;
  ChildFds() = default;
  ChildFds(const ChildFds&) = delete;
  ChildFds& operator=(const ChildFds&) = delete;
  ~ChildFds() {
    for (int fd : fds) ::close(fd);
  }
  // Keeps `fd` (now owned here) and returns a copy of it numbered 3 or more: one below 3
  // (this program closed its stdin, say) could be overwritten by another's dup2.
  int keep(int fd, std::error_code& ec) {
    fds.push_back(fd);
    if (fd >= 3) return fd;
    const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (moved < 0) {
      ec = errno_code();
      return -1;
    }
    fds.push_back(moved);
    return moved;
  }
};

// "NAME=value" strings for the child: this program's environment (unless cleared) with
// the Command's changes applied in order.
std::vector<std::string> child_environment(const Command& command) {
  std::vector<std::string> env;
  if (!command.env_cleared()) {
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) env.emplace_back(*e);
  }
  for (const auto& change : command.env_changes()) {
    const std::string prefix = change.key + '=';
    std::erase_if(env, [&](const std::string& entry) { return entry.starts_with(prefix); });
    if (change.value) env.push_back(prefix + *change.value);
  }
  return env;
}

}  // namespace

void child_pipe_destroy(ChildPipe* pipe) noexcept { delete pipe; }

std::size_t child_pipe_read(ChildPipe& pipe, std::span<std::byte> buf, std::error_code& ec) {
  return pipe.receiver.read(buf, ec);
}

std::size_t child_pipe_write(ChildPipe& pipe, std::span<const std::byte> buf,
                             std::error_code& ec) {
  return pipe.sender.write(buf, ec);
}

std::error_code child_pipe_add(ChildPipe& pipe, const Registry& registry, Token token,
                               Interest interest) {
  if (pipe.sender.is_open()) return pipe.sender.add_to(registry, token, interest);
  return pipe.receiver.add_to(registry, token, interest);
}

std::error_code child_pipe_modify(ChildPipe& pipe, const Registry& registry, Token token,
                                  Interest interest) {
  if (pipe.sender.is_open()) return pipe.sender.modify_in(registry, token, interest);
  return pipe.receiver.modify_in(registry, token, interest);
}

std::error_code child_pipe_remove(ChildPipe& pipe, const Registry& registry) {
  if (pipe.sender.is_open()) return pipe.sender.remove_from(registry);
  return pipe.receiver.remove_from(registry);
}

std::error_code command_spawn(const Command& command, SpawnedChild& out) {
  std::error_code ec;
  ChildFds child_fds;
  std::unique_ptr<ChildPipe> pipes[3];
  SpawnRequest request;
  int null_fd = -1;
  for (int fd = 0; fd < 3; ++fd) {
    switch (command.stdio(fd)) {
      case Stdio::inherit:
        break;
      case Stdio::null:
        if (null_fd < 0) {
          const int opened = ::open("/dev/null", O_RDWR | O_CLOEXEC);
          if (opened < 0) return errno_code();
          null_fd = child_fds.keep(opened, ec);
          if (ec) return ec;
        }
        request.stdio[fd] = null_fd;
        break;
      case Stdio::piped: {
        int ends[2];
        if (::pipe2(ends, O_CLOEXEC) < 0) return errno_code();
        // ends[0] reads, ends[1] writes; the child reads its stdin and writes the others.
        const int ours = fd == 0 ? ends[1] : ends[0];
        const int theirs = fd == 0 ? ends[0] : ends[1];
        pipes[fd] = std::make_unique<ChildPipe>();
        // from_native takes `ours` only when it succeeds.
        if (fd == 0) {
          pipes[fd]->sender = unix::Sender::from_native(ours, ec);
        } else {
          pipes[fd]->receiver = unix::Receiver::from_native(ours, ec);
        }
        if (ec) {
          ::close(ours);
          ::close(theirs);
          return ec;
        }
        request.stdio[fd] = child_fds.keep(theirs, ec);
        if (ec) return ec;
        break;
      }
    }
  }
  std::vector<std::string> argv;
  argv.reserve(command.arguments().size() + 1);
  argv.push_back(command.program());
  argv.insert(argv.end(), command.arguments().begin(), command.arguments().end());
  request.argv = argv;

  std::vector<std::string> env;
  std::vector<char*> envp;
  const std::string* child_path = nullptr;
  if (command.env_cleared() || !command.env_changes().empty()) {
    env = child_environment(command);
    for (auto& entry : env) {
      envp.push_back(entry.data());
      // A PATH the Command sets is where the program is looked up, as in Rust's std.
      if (entry.starts_with("PATH=")) child_path = &entry;
    }
    envp.push_back(nullptr);
    request.envp = envp.data();
    bool path_changed = command.env_cleared();
    for (const auto& change : command.env_changes()) path_changed |= change.key == "PATH";
    if (path_changed && child_path != nullptr) request.path = child_path->c_str() + 5;
  }
  if (command.dir()) request.dir = command.dir()->c_str();

  ProcessState* process = process_spawn_request(request, ec);
  if (ec) return ec;
  out.process = process;
  for (int fd = 0; fd < 3; ++fd) out.pipes[fd] = pipes[fd].release();
  return {};
}

}  // namespace pollux::sys
