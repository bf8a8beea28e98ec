// SPDX-License-Identifier: MIT
// exec_echo against tcp_echo and a raw-epoll echo: 100 loopback connections, each with
// one 64-byte message in flight (ping-pong), for a fixed time per run. Every server runs
// as a process of its own, started fresh for each run, and the three alternate; the
// figures are the median messages per second (client wall clock) and the median server
// CPU time per message (from wait4's rusage), which a loaded machine disturbs less.
//
//   bench_exec_echo [--seconds S] [--runs R] [--conns N] [--workers W]
//
// The servers are found next to this program: ../examples/{exec_echo,tcp_echo}. The
// raw-epoll server is this program run as `bench_exec_echo --raw-server`.

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace {

constexpr std::size_t kMessage = 64;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "bench_exec_echo: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

// --- the raw-epoll server: one thread, edge-triggered, read until EAGAIN, echo back ---

volatile sig_atomic_t g_stop = 0;
extern "C" void on_term(int) { g_stop = 1; }

int raw_server() {
  std::signal(SIGTERM, on_term);
  const int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (lfd < 0) die("socket");
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) die("bind");
  if (::listen(lfd, 1024) != 0) die("listen");
  socklen_t len = sizeof sa;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&sa), &len);
  std::printf("listening on 127.0.0.1:%u\n", ntohs(sa.sin_port));
  std::fflush(stdout);
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  ev.data.fd = lfd;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  std::array<epoll_event, 256> events;
  std::array<char, 16 * 1024> buf;
  while (!g_stop) {
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == lfd) {
        for (;;) {
          const int c = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) break;
          int one = 1;
          ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event cev{};
          cev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
          cev.data.fd = c;
          ::epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
        }
        continue;
      }
      for (;;) {
        const ssize_t r = ::recv(fd, buf.data(), buf.size(), 0);
        if (r > 0) {
          // 64-byte messages always fit the socket buffer: no partial writes to keep.
          if (::send(fd, buf.data(), static_cast<std::size_t>(r), MSG_NOSIGNAL) != r) {
            ::close(fd);
            break;
          }
          continue;
        }
        if (r < 0 && errno == EAGAIN) break;
        ::close(fd);
        break;
      }
    }
  }
  return 0;
}

// --- a server under test ---

struct Server {
  pid_t pid = -1;
  int port = 0;
};

Server start(const std::vector<std::string>& argv) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) die("pipe2");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  Server s;
  if (::posix_spawn(&s.pid, args[0], &actions, nullptr, args.data(), environ) != 0) {
    die(argv[0].c_str());
  }
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  std::string line;
  char c;
  while (::read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  ::close(out[0]);
  const auto colon = line.rfind(':');
  if (line.rfind("listening on ", 0) != 0 || colon == std::string::npos) {
    std::fprintf(stderr, "bench_exec_echo: %s printed '%s'\n", argv[0].c_str(), line.c_str());
    std::exit(1);
  }
  s.port = std::atoi(line.c_str() + colon + 1);
  return s;
}

// Stops the server; its CPU seconds (user + system).
double stop(const Server& s) {
  ::kill(s.pid, SIGTERM);
  int status = 0;
  rusage ru{};
  if (::wait4(s.pid, &status, 0, &ru) != s.pid) die("wait4");
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6; };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

// The client: one thread, one epoll set, `conns` connections each echoing one message.
long drive(int port, int conns, double seconds) {
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  std::vector<int> fds;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  std::array<char, kMessage> msg;
  msg.fill('x');
  for (int i = 0; i < conns; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) die("connect");
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::fcntl(fd, F_SETFL, O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLET;
    ev.data.u32 = static_cast<std::uint32_t>(fds.size());
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    fds.push_back(fd);
  }
  std::vector<std::size_t> got(fds.size(), 0);
  for (int fd : fds) {
    if (::send(fd, msg.data(), kMessage, MSG_NOSIGNAL) != static_cast<ssize_t>(kMessage)) die("send");
  }
  long messages = 0;
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::array<epoll_event, 256> events;
  std::array<char, 4096> buf;
  while (std::chrono::steady_clock::now() < end) {
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < n; ++i) {
      const std::uint32_t k = events[i].data.u32;
      for (;;) {
        const ssize_t r = ::recv(fds[k], buf.data(), buf.size(), 0);
        if (r > 0) {
          got[k] += static_cast<std::size_t>(r);
          continue;
        }
        if (r < 0 && errno == EAGAIN) break;
        die("recv");
      }
      while (got[k] >= kMessage) {
        got[k] -= kMessage;
        ++messages;
        if (::send(fds[k], msg.data(), kMessage, MSG_NOSIGNAL) != static_cast<ssize_t>(kMessage)) {
          die("send");
        }
      }
    }
  }
  for (int fd : fds) ::close(fd);
  ::close(ep);
  return messages;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string dir_of(const char* argv0) {
  std::string p = argv0;
  const auto slash = p.rfind('/');
  return slash == std::string::npos ? "." : p.substr(0, slash);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--raw-server") == 0) return raw_server();
  double seconds = 2;
  int runs = 3, conns = 100;
  std::string workers = "1";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--seconds") {
      seconds = std::atof(argv[i + 1]);
    } else if (arg == "--runs") {
      runs = std::atoi(argv[i + 1]);
    } else if (arg == "--conns") {
      conns = std::atoi(argv[i + 1]);
    } else if (arg == "--workers") {
      workers = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: %s [--seconds S] [--runs R] [--conns N] [--workers W]\n", argv[0]);
      return 2;
    }
  }
  if (seconds <= 0 || runs <= 0 || conns <= 0) return 2;
  std::signal(SIGPIPE, SIG_IGN);
  const std::string dir = dir_of(argv[0]);
  struct Subject {
    const char* name;
    std::vector<std::string> argv;
    std::vector<double> rates, cpu_per_msg;
  };
  std::vector<Subject> subjects = {
      {"raw epoll", {argv[0], "--raw-server"}, {}, {}},
      {"tcp_echo (pollux)", {dir + "/../examples/tcp_echo", "--listen", "127.0.0.1:0"}, {}, {}},
      {"exec_echo (pollux-exec)",
       {dir + "/../examples/exec_echo", "--listen", "127.0.0.1:0", "--workers", workers},
       {},
       {}},
  };
  for (int r = 0; r < runs; ++r) {
    for (std::size_t k = 0; k < subjects.size(); ++k) {
      // Rotate the order, so that no server always runs first or last.
      Subject& s = subjects[(k + static_cast<std::size_t>(r)) % subjects.size()];
      const Server server = start(s.argv);
      const long messages = drive(server.port, conns, seconds);
      const double cpu = stop(server);
      s.rates.push_back(static_cast<double>(messages) / seconds);
      s.cpu_per_msg.push_back(messages > 0 ? cpu / static_cast<double>(messages) * 1e9 : 0);
    }
  }
  std::printf("%d connections, 64-byte ping-pong, %d runs of %.1f s; exec_echo --workers %s\n",
              conns, runs, seconds, workers.c_str());
  const double tcp_rate = median(subjects[1].rates);
  const double tcp_cpu = median(subjects[1].cpu_per_msg);
  for (const Subject& s : subjects) {
    const double rate = median(s.rates);
    const double cpu = median(s.cpu_per_msg);
    std::printf("%-26s %9.0f msg/s  server cpu %6.0f ns/msg  rate vs tcp_echo %.3f  cpu vs "
                "tcp_echo %.3f\n",
                s.name, rate, cpu, rate / tcp_rate, cpu / tcp_cpu);
  }
  return 0;
}
