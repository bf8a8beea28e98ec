// SPDX-License-Identifier: MIT
// win::NamedPipe::from_raw_handle and take_error (issue 13 item 8), as mio has them: a
// pipe HANDLE opened by the caller, either end, taken over; bad handles refused with
// the handle left to the caller; the error of a failed background operation reported
// once.

#include "win_pipe_util.hpp"

using namespace test::pipe;

namespace {

std::wstring wide(const std::string& s) { return std::wstring(s.begin(), s.end()); }

HANDLE raw_server(const std::string& name, DWORD flags, DWORD pipe_mode = PIPE_TYPE_BYTE | PIPE_READMODE_BYTE) {
  HANDLE h = CreateNamedPipeW(wide(name).c_str(), PIPE_ACCESS_DUPLEX | flags, pipe_mode | PIPE_WAIT,
                              1, 4096, 4096, 0, nullptr);
  REQUIRE(h != INVALID_HANDLE_VALUE);
  return h;
}

HANDLE raw_client(const std::string& name) {
  HANDLE h = CreateFileW(wide(name).c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                         FILE_FLAG_OVERLAPPED, nullptr);
  REQUIRE(h != INVALID_HANDLE_VALUE);
  return h;
}

}  // namespace

TEST_CASE("from_raw_handle: a server end made with CreateNamedPipeW") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto name = unique_name();
  std::error_code ec;
  NamedPipe server = NamedPipe::from_raw_handle(raw_server(name, FILE_FLAG_OVERLAPPED), {}, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  REQUIRE(server.is_open());
  auto client = make_client(name);
  add(poll, server, Token(0));
  add(poll, client, Token(1));
  // The client came first: connected at once.
  CHECK(!server.connect());
  write_all(poll, events, client, "from the client");
  CHECK(read_some(poll, events, server, 15, 64) == "from the client");
  write_all(poll, events, server, "back");
  CHECK(read_some(poll, events, client, 4, 64) == "back");
}

TEST_CASE("from_raw_handle: a client end made with CreateFileW") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto name = unique_name();
  auto server = make_server(name);
  add(poll, server, Token(0));
  REQUIRE(server.connect() == std::errc::operation_would_block);
  std::error_code ec;
  NamedPipe client = NamedPipe::from_raw_handle(raw_client(name), {}, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  add(poll, client, Token(1));
  test::expect_events(poll, events, {{Token(0), test::kWritable}});
  CHECK(!server.connect());
  write_all(poll, events, server, "hello");
  CHECK(read_some(poll, events, client, 5, 64) == "hello");
}

TEST_CASE("from_raw_handle: bad handles are refused and stay the caller's") {
  std::error_code ec;
  CHECK_FALSE(NamedPipe::from_raw_handle(nullptr, {}, ec).is_open());
  CHECK(ec == std::errc::bad_file_descriptor);
  CHECK_FALSE(NamedPipe::from_raw_handle(INVALID_HANDLE_VALUE, {}, ec).is_open());
  CHECK(ec == std::errc::bad_file_descriptor);

  // Not a pipe.
  HANDLE event = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  REQUIRE(event != nullptr);
  CHECK_FALSE(NamedPipe::from_raw_handle(event, {}, ec).is_open());
  CHECK(ec == std::errc::invalid_argument);
  CHECK(CloseHandle(event));  // still ours
  // A handle that was closed.
  CHECK_FALSE(NamedPipe::from_raw_handle(event, {}, ec).is_open());
  CHECK(ec == std::errc::bad_file_descriptor);

  // Opened for synchronous I/O: its reads would block the polling thread.
  auto name = unique_name();
  HANDLE sync = raw_server(name, 0);
  CHECK_FALSE(NamedPipe::from_raw_handle(sync, {}, ec).is_open());
  CHECK(ec == std::errc::invalid_argument);
  CHECK(CloseHandle(sync));

  // A byte-mode pipe adopted for messages.
  auto name2 = unique_name();
  HANDLE bytes = raw_server(name2, FILE_FLAG_OVERLAPPED);
  NamedPipeOptions message;
  message.mode = pollux::win::PipeMode::message;
  CHECK_FALSE(NamedPipe::from_raw_handle(bytes, message, ec).is_open());
  CHECK(ec == std::errc::invalid_argument);
  // And the same handle in the mode it has: taken over (and closed by the NamedPipe).
  NamedPipe adopted = NamedPipe::from_raw_handle(bytes, {}, ec);
  CHECK(!ec);
  CHECK(adopted.is_open());
}

TEST_CASE("take_error: the error of a failed operation, reported once") {
  auto poll = test::init_with_poll();
  Events events(16);
  std::error_code ec;
  NamedPipe closed;
  (void)closed.take_error(ec);
  CHECK(ec == std::errc::bad_file_descriptor);

  auto name = unique_name();
  auto server = make_server(name);
  add(poll, server, Token(0));
  CHECK_FALSE(server.take_error(ec));
  CHECK(!ec);
  {
    auto client = make_client(name);
    REQUIRE(!server.connect());
  }
  test::expect_events(poll, events, {{Token(0), test::kReadable | test::kReadClosed}});
  // The other end leaving is EOF, not an error.
  CHECK_FALSE(server.take_error(ec));
  CHECK(server.write("abc", 3, ec) == 0);
  CHECK(ec == std::errc::broken_pipe);
  const std::error_code pending = server.take_error(ec);
  CHECK(!ec);
  CHECK(pending == std::errc::broken_pipe);
  CHECK_FALSE(server.take_error(ec));  // cleared
}
