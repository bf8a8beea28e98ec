// SPDX-License-Identifier: MIT
// win::JobObject: job notifications (JOBOBJECT_ASSOCIATE_COMPLETION_PORT) through Poll.

#include "util.hpp"

#include <pollux/win/job_object.hpp>

#include <windows.h>

#include <string>
#include <vector>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Token;
using pollux::win::JobObject;
using Message = pollux::win::JobObject::Message;

namespace {

// Starts `cmd.exe /c exit CODE` suspended, so that it can join a job before it runs.
PROCESS_INFORMATION spawn_suspended(int code) {
  wchar_t system[MAX_PATH];
  REQUIRE(GetSystemDirectoryW(system, MAX_PATH) > 0);
  std::wstring cmd = std::wstring(system) + L"\\cmd.exe";
  std::wstring line = L"cmd.exe /c exit " + std::to_wstring(code);
  STARTUPINFOW si{};
  si.cb = sizeof si;
  PROCESS_INFORMATION pi{};
  REQUIRE(CreateProcessW(cmd.c_str(), line.data(), nullptr, nullptr, FALSE,
                         CREATE_SUSPENDED | CREATE_NO_WINDOW, nullptr, nullptr, &si, &pi));
  return pi;
}

struct Seen {
  std::vector<std::pair<Message, std::uint32_t>> messages;
  bool has(Message m, std::uint32_t pid) const {
    for (auto& [msg, p] : messages) {
      if (msg == m && p == pid) return true;
    }
    return false;
  }
  bool has(Message m) const {
    for (auto& [msg, p] : messages) {
      if (msg == m) return true;
    }
    return false;
  }
};

void collect(pollux::Poll& poll, Events& events, Token token, Seen& seen,
             bool (*done)(const Seen&, std::uint32_t), std::uint32_t pid) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done(seen, pid) && std::chrono::steady_clock::now() < deadline) {
    REQUIRE(!poll.poll(events, 100ms));
    for (const auto& e : events) {
      REQUIRE(e.token() == token);
      CHECK(e.is_completion());
      CHECK(e.is_readable());
      seen.messages.emplace_back(pollux::win::job_message_of(e), pollux::win::job_process_of(e));
    }
  }
}

bool exited(const Seen& seen, std::uint32_t pid) {
  return (seen.has(Message::exit_process, pid) || seen.has(Message::abnormal_exit_process, pid)) &&
         seen.has(Message::active_process_zero);
}

}  // namespace

TEST_CASE("a job reports through poll that its process exited") {
  auto poll = test::init_with_poll();
  Events events(16);
  std::error_code ec;
  auto job = JobObject::create(ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  REQUIRE(!poll.registry().add(job, Token(SIZE_MAX - 1), Interest::readable));
  auto pi = spawn_suspended(3);
  REQUIRE(!job.assign(pi.hProcess));
  ResumeThread(pi.hThread);
  Seen seen;
  collect(poll, events, Token(SIZE_MAX - 1), seen, exited, pi.dwProcessId);
  CHECK(seen.has(Message::new_process, pi.dwProcessId));
  CHECK(exited(seen, pi.dwProcessId));
  DWORD code = 0;
  REQUIRE(WaitForSingleObject(pi.hProcess, 5000) == WAIT_OBJECT_0);
  REQUIRE(GetExitCodeProcess(pi.hProcess, &code));
  CHECK(code == 3);
  CloseHandle(pi.hThread);
  CloseHandle(pi.hProcess);
}

TEST_CASE("after remove no notification of the job is reported; re-tokening applies") {
  auto poll = test::init_with_poll();
  Events events(16);
  std::error_code ec;
  auto job = JobObject::create(ec);
  REQUIRE(!ec);
  REQUIRE(!poll.registry().add(job, Token(1), Interest::readable));
  REQUIRE(!poll.registry().modify(job, Token(2), Interest::readable));
  auto first = spawn_suspended(0);
  REQUIRE(!job.assign(first.hProcess));
  ResumeThread(first.hThread);
  Seen seen;
  collect(poll, events, Token(2), seen, exited, first.dwProcessId);
  CHECK(exited(seen, first.dwProcessId));

  REQUIRE(!poll.registry().remove(job));
  auto second = spawn_suspended(0);
  REQUIRE(!job.assign(second.hProcess));
  ResumeThread(second.hThread);
  REQUIRE(WaitForSingleObject(second.hProcess, 5000) == WAIT_OBJECT_0);
  test::expect_no_events(poll, events, 200ms);
  // The job's association with a port is for life.
  CHECK(poll.registry().add(job, Token(3), Interest::readable) == std::errc::file_exists);
  for (auto* pi : {&first, &second}) {
    CloseHandle(pi->hThread);
    CloseHandle(pi->hProcess);
  }
}

TEST_CASE("job misuse is answered with error codes") {
  auto poll = test::init_with_poll();
  JobObject empty;
  CHECK(poll.registry().add(empty, Token(1), Interest::readable) == std::errc::bad_file_descriptor);
  CHECK(empty.assign(GetCurrentProcess()) == std::errc::bad_file_descriptor);
  std::error_code ec;
  auto job = JobObject::create(ec);
  REQUIRE(!ec);
  CHECK(poll.registry().modify(job, Token(1), Interest::readable) == std::errc::no_such_file_or_directory);
  CHECK(poll.registry().remove(job) == std::errc::no_such_file_or_directory);
  REQUIRE(!poll.registry().add(job, Token(1), Interest::readable));
  CHECK(poll.registry().add(job, Token(1), Interest::readable) == std::errc::file_exists);
  auto other = test::init_with_poll();
  CHECK(other.registry().add(job, Token(1), Interest::readable) == std::errc::file_exists);
  CHECK(other.registry().remove(job) == std::errc::no_such_file_or_directory);
  CHECK(job.assign(nullptr));
}
