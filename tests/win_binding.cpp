// SPDX-License-Identifier: MIT
// win::Binding and win::Overlapped: completions of user HANDLEs through Poll.

#include "win_binding_util.hpp"

#include <pollux/win/binding.hpp>
#include <pollux/win/overlapped.hpp>

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using pollux::Event;
using pollux::Events;
using pollux::Interest;
using pollux::Token;
using pollux::win::Binding;
using pollux::win::Overlapped;
using pollux::win::Submitted;

using namespace test::binding;

TEST_CASE("a file read through a Binding completes in poll, with bytes and status") {
  auto path = temp_path(L"pollux-binding-file-");
  const std::string content = "completion ports deliver what overlapped reads read";
  {
    Handle f(CreateFileW(path.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS, 0, nullptr));
    REQUIRE(f.h != INVALID_HANDLE_VALUE);
    DWORD n = 0;
    REQUIRE(WriteFile(f.h, content.data(), static_cast<DWORD>(content.size()), &n, nullptr));
  }
  {
    Handle f(CreateFileW(path.c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING,
                         FILE_FLAG_OVERLAPPED, nullptr));
    REQUIRE(f.h != INVALID_HANDLE_VALUE);
    auto poll = test::init_with_poll();
    Events events(16);
    Binding binding(f.h);
    add(poll, binding, Token(7));
    Overlapped ov;
    ov.set_offset(11);
    char buffer[128] = {};
    std::error_code ec;
    REQUIRE(binding.submit(ov, read_into(buffer, sizeof buffer), ec) == Submitted::pending);
    auto e = wait_completion(poll, events, Token(7));
    CHECK(pollux::win::overlapped_of(e) == &ov);
    CHECK(e.bytes_transferred() == content.size() - 11);
    CHECK(!pollux::win::status_of(e));
    CHECK(std::string(buffer) == content.substr(11));
    CHECK(ov.bytes() == content.size() - 11);

    // Past the end: the error comes either from submit or with the completion.
    ov.set_offset(4096);
    auto r = binding.submit(ov, read_into(buffer, sizeof buffer), ec);
    if (r == Submitted::pending) {
      auto end = wait_completion(poll, events, Token(7));
      CHECK(end.os_status() == ERROR_HANDLE_EOF);
    } else {
      CHECK(r == Submitted::failed);
      CHECK(ec.value() == ERROR_HANDLE_EOF);
    }
    REQUIRE(!poll.registry().remove(binding));
  }
  DeleteFileW(path.c_str());
}

TEST_CASE("skip_completion_on_success: a synchronous success is reported by submit alone") {
  auto path = temp_path(L"pollux-binding-skip-");
  {
    Handle f(CreateFileW(path.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS, 0, nullptr));
    DWORD n = 0;
    REQUIRE(WriteFile(f.h, "0123456789", 10, &n, nullptr));
  }
  Handle f(CreateFileW(path.c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING,
                       FILE_FLAG_OVERLAPPED, nullptr));
  auto poll = test::init_with_poll();
  Events events(16);
  Binding binding(f.h, Binding::Options{true});
  add(poll, binding, Token(3));
  int completions = 0;
  for (int i = 0; i < 20; ++i) {
    Overlapped ov;
    char buffer[4] = {};
    std::error_code ec;
    ov.set_offset(2);
    auto r = binding.submit(ov, read_into(buffer, 4), ec);
    REQUIRE_MESSAGE(r != Submitted::failed, ec.message());
    if (r == Submitted::completed) {
      CHECK(ov.bytes() == 4);
      // No packet follows a synchronous success.
      test::expect_no_events(poll, events, 20ms);
    } else {
      auto e = wait_completion(poll, events, Token(3));
      CHECK(e.bytes_transferred() == 4);
    }
    CHECK(std::memcmp(buffer, "2345", 4) == 0);
    ++completions;
  }
  CHECK(completions == 20);
  binding = Binding();
  f.close();
  DeleteFileW(path.c_str());
}

TEST_CASE("skip_completion_on_success on a pipe: a read of buffered data completes in submit") {
  PipePair pipe;
  auto poll = test::init_with_poll();
  Events events(16);
  Binding binding(pipe.server.h, Binding::Options{true});
  add(poll, binding, Token(4));
  int completed = 0;
  for (int i = 0; i < 10; ++i) {
    pipe.write_from_client("abcd");
    Overlapped ov;
    char buffer[4] = {};
    std::error_code ec;
    auto r = binding.submit(ov, read_into(buffer, 4), ec);
    REQUIRE_MESSAGE(r != Submitted::failed, ec.message());
    if (r == Submitted::completed) {
      ++completed;
      CHECK(ov.bytes() == 4);
      test::expect_no_events(poll, events, 20ms);
    } else {
      CHECK(wait_completion(poll, events, Token(4)).bytes_transferred() == 4);
    }
    CHECK(std::memcmp(buffer, "abcd", 4) == 0);
  }
  // The data was there before each read: the kernel answers at once.
  CHECK(completed == 10);
}

TEST_CASE("ReadDirectoryChangesW through a Binding reports a new file") {
  auto dir = temp_path(L"pollux-binding-dir-");
  REQUIRE(CreateDirectoryW(dir.c_str(), nullptr));
  {
    Handle d(CreateFileW(dir.c_str(), FILE_LIST_DIRECTORY,
                         FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                         FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OVERLAPPED, nullptr));
    REQUIRE(d.h != INVALID_HANDLE_VALUE);
    auto poll = test::init_with_poll();
    Events events(16);
    Binding binding(d.h);
    add(poll, binding, Token(42));
    Overlapped ov;
    alignas(DWORD) unsigned char buffer[4096];
    std::error_code ec;
    auto r = binding.submit(ov, [&](void* h, _OVERLAPPED* o) {
      return ReadDirectoryChangesW(h, buffer, sizeof buffer, FALSE, FILE_NOTIFY_CHANGE_FILE_NAME,
                                   nullptr, reinterpret_cast<OVERLAPPED*>(o), nullptr);
    }, ec);
    REQUIRE_MESSAGE(r == Submitted::pending, ec.message());
    auto file = dir + L"\\hello.txt";
    Handle created(CreateFileW(file.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS, 0, nullptr));
    REQUIRE(created.h != INVALID_HANDLE_VALUE);
    auto e = wait_completion(poll, events, Token(42));
    CHECK(!pollux::win::status_of(e));
    REQUIRE(e.bytes_transferred() >= sizeof(FILE_NOTIFY_INFORMATION));
    auto* info = reinterpret_cast<FILE_NOTIFY_INFORMATION*>(buffer);
    std::wstring name(info->FileName, info->FileNameLength / sizeof(wchar_t));
    CHECK(info->Action == FILE_ACTION_ADDED);
    CHECK(name == L"hello.txt");
    created.close();
    DeleteFileW(file.c_str());
  }
  RemoveDirectoryW(dir.c_str());
}

TEST_CASE("remove cancels a pending read; nothing is delivered and its memory may go") {
  PipePair pipe;
  auto poll = test::init_with_poll();
  Events events(16);
  Binding binding(pipe.server.h);
  add(poll, binding, Token(5));
  auto ov = std::make_unique<Overlapped>();
  auto buffer = std::make_unique<char[]>(64);
  std::error_code ec;
  REQUIRE(binding.submit(*ov, read_into(buffer.get(), 64), ec) == Submitted::pending);
  test::expect_no_events(poll, events, 20ms);
  REQUIRE(!poll.registry().remove(binding));
  CHECK(!binding.is_added());
  // The rule in overlapped.hpp: after remove returns, the Overlapped and buffer are ours.
  std::memset(static_cast<void*>(ov.get()), 0xAB, sizeof(Overlapped));
  ov.reset();
  buffer.reset();
  pipe.write_from_client("too late");
  test::expect_no_events(poll, events, 100ms);
  CHECK(poll.registry().remove(binding) == std::errc::no_such_file_or_directory);
}

TEST_CASE("destroying a Binding cancels its pending read") {
  PipePair pipe;
  auto poll = test::init_with_poll();
  Events events(16);
  {
    Overlapped ov;
    char buffer[64];
    Binding binding(pipe.server.h);
    add(poll, binding, Token(6));
    std::error_code ec;
    REQUIRE(binding.submit(ov, read_into(buffer, 64), ec) == Submitted::pending);
    // Binding is destroyed first (declared last), then ov and buffer: the order the rule needs.
  }
  pipe.write_from_client("nobody reads this");
  test::expect_no_events(poll, events, 100ms);
}

TEST_CASE("cancel delivers the completion with operation_canceled") {
  PipePair pipe;
  auto poll = test::init_with_poll();
  Events events(16);
  Binding binding(pipe.server.h);
  add(poll, binding, Token(8));
  Overlapped ov;
  char buffer[16];
  std::error_code ec;
  REQUIRE(binding.submit(ov, read_into(buffer, 16), ec) == Submitted::pending);
  CHECK(binding.submit(ov, read_into(buffer, 16), ec) == Submitted::failed);
  CHECK(ec == std::errc::operation_in_progress);
  REQUIRE(!binding.cancel(ov));
  auto e = wait_completion(poll, events, Token(8));
  CHECK(pollux::win::status_of(e) == std::errc::operation_canceled);
  CHECK(pollux::win::overlapped_of(e) == &ov);
  // Over, so it may start again; and re-tokening applies to the next completion.
  REQUIRE(!poll.registry().modify(binding, Token(9), Interest::readable));
  REQUIRE(binding.submit(ov, read_into(buffer, 16), ec) == Submitted::pending);
  pipe.write_from_client("hi");
  auto again = wait_completion(poll, events, Token(9));
  CHECK(again.bytes_transferred() == 2);
  CHECK(std::memcmp(buffer, "hi", 2) == 0);
}

TEST_CASE("misuse is answered with error codes") {
  PipePair pipe;
  auto poll = test::init_with_poll();
  auto other = test::init_with_poll();
  Binding binding(pipe.server.h);
  Overlapped ov;
  char buffer[4];
  std::error_code ec;
  CHECK(poll.registry().modify(binding, Token(1), Interest::readable) == std::errc::no_such_file_or_directory);
  CHECK(poll.registry().remove(binding) == std::errc::no_such_file_or_directory);
  CHECK(binding.submit(ov, read_into(buffer, 4), ec) == Submitted::failed);
  CHECK(ec == std::errc::no_such_file_or_directory);
  add(poll, binding, Token(1));
  CHECK(poll.registry().add(binding, Token(2), Interest::readable) == std::errc::file_exists);
  CHECK(other.registry().modify(binding, Token(1), Interest::readable) == std::errc::no_such_file_or_directory);
  CHECK(other.registry().remove(binding) == std::errc::no_such_file_or_directory);
  // The same handle, bound to a second Poll's port.
  Binding twin(pipe.server.h);
  CHECK(other.registry().add(twin, Token(1), Interest::readable) == std::errc::file_exists);
  Binding invalid(INVALID_HANDLE_VALUE);
  CHECK(poll.registry().add(invalid, Token(1), Interest::readable) == std::errc::bad_file_descriptor);
  Binding closed(reinterpret_cast<void*>(0x7ffc));
  CHECK(poll.registry().add(closed, Token(1), Interest::readable));
  CHECK(!closed.is_added());
}

TEST_CASE("after remove, the handle binds again, or is refused cleanly where the OS cannot") {
  PipePair pipe;
  auto poll = test::init_with_poll();
  Events events(16);
  Binding binding(pipe.server.h);
  add(poll, binding, Token(1));
  REQUIRE(!poll.registry().remove(binding));
  auto ec = poll.registry().add(binding, Token(2), Interest::readable);
  if (ec) {
    // Windows 7 and 8 keep a handle's port association for good.
    CHECK(ec == std::errc::file_exists);
    MESSAGE("this system cannot re-bind a handle: " << ec.message());
    return;
  }
  Overlapped ov;
  char buffer[16];
  REQUIRE(binding.submit(ov, read_into(buffer, 16), ec) == Submitted::pending);
  pipe.write_from_client("again");
  auto e = wait_completion(poll, events, Token(2));
  CHECK(e.bytes_transferred() == 5);
  test::expect_no_events(poll, events);
}

TEST_CASE("remove from another thread while poll is blocked: later polls never see it") {
  auto poll = test::init_with_poll();
  // Round k uses Token(100 + k); `removed` counts the rounds whose remove has returned.
  std::atomic<int> removed{0};
  std::atomic<bool> stop{false};
  std::atomic<int> late{0}, poll_errors{0};
  // No doctest assertions on this thread: doctest's thread-local streams crash at thread
  // exit under mingw's winpthreads.
  std::thread poller([&] {
    Events events(16);
    while (!stop) {
      // The promise is about polls that start after remove returned.
      const int gone = removed.load();
      if (poll.poll(events, 20ms)) ++poll_errors;
      for (const auto& e : events) {
        auto round = static_cast<int>(e.token().value()) - 100;
        if (round >= 0 && round < gone) ++late;
      }
    }
  });
  for (int round = 0; round < 20; ++round) {
    PipePair pipe;
    Binding binding(pipe.server.h);
    REQUIRE(!poll.registry().add(binding, Token(100 + round), Interest::readable));
    auto ov = std::make_unique<Overlapped>();
    auto buffer = std::make_unique<char[]>(16);
    std::error_code ec;
    REQUIRE(binding.submit(*ov, read_into(buffer.get(), 16), ec) == Submitted::pending);
    // Half the rounds race the data against the removal.
    if (round % 2 == 0) pipe.write_from_client("early");
    REQUIRE(!poll.registry().remove(binding));
    removed = round + 1;
    std::memset(static_cast<void*>(ov.get()), 0xCD, sizeof(Overlapped));
    ov.reset();
    buffer.reset();
    if (round % 2 == 1) pipe.write_from_client("late");
    std::this_thread::sleep_for(5ms);
  }
  stop = true;
  poller.join();
  CHECK(late == 0);
  CHECK(poll_errors == 0);
}

TEST_CASE("an overlapped WSARecv on a bound socket completes through poll") {
  WSADATA wsa;
  REQUIRE(WSAStartup(MAKEWORD(2, 2), &wsa) == 0);
  SOCKET listener = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, WSA_FLAG_OVERLAPPED);
  REQUIRE(listener != INVALID_SOCKET);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  int len = sizeof addr;
  REQUIRE(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  REQUIRE(listen(listener, 1) == 0);
  SOCKET client = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  REQUIRE(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  SOCKET server = accept(listener, nullptr, nullptr);
  REQUIRE(server != INVALID_SOCKET);
  {
    auto poll = test::init_with_poll();
    Events events(16);
    Binding binding(reinterpret_cast<void*>(server));
    add(poll, binding, Token(21));
    Overlapped ov;
    char buffer[32] = {};
    WSABUF buf{sizeof buffer, buffer};
    std::error_code ec;
    auto r = binding.submit(ov, [&](void* s, _OVERLAPPED* o) {
      DWORD flags = 0;
      return WSARecv(reinterpret_cast<SOCKET>(s), &buf, 1, nullptr, &flags,
                     reinterpret_cast<OVERLAPPED*>(o), nullptr) == 0;
    }, ec);
    REQUIRE_MESSAGE(r == Submitted::pending, ec.message());
    REQUIRE(send(client, "ping", 4, 0) == 4);
    auto e = wait_completion(poll, events, Token(21));
    CHECK(e.bytes_transferred() == 4);
    CHECK(std::string(buffer) == "ping");
    REQUIRE(!poll.registry().remove(binding));
  }
  closesocket(server);
  closesocket(client);
  closesocket(listener);
  WSACleanup();
}

TEST_CASE("a Poll destroyed first: its Binding ends cleanly after it") {
  PipePair pipe;
  Overlapped ov;
  char buffer[16];
  Binding binding(pipe.server.h);
  {
    auto poll = test::init_with_poll();
    add(poll, binding, Token(1));
    std::error_code ec;
    REQUIRE(binding.submit(ov, read_into(buffer, 16), ec) == Submitted::pending);
  }
  // The read is still pending in the kernel: the destructor cancels and drains it.
  binding = Binding();
  pipe.write_from_client("after");
}
