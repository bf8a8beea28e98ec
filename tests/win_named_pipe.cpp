// win::NamedPipe: mio's named-pipe contract, message mode, buffers and options.

#include "util.hpp"

#include <pollux/win/named_pipe.hpp>

#include <windows.h>

#include <atomic>
#include <string>

using namespace std::chrono_literals;
using pollux::Events;
using pollux::Interest;
using pollux::Token;
using pollux::win::NamedPipe;
using pollux::win::NamedPipeOptions;
using pollux::win::PipeMode;

namespace {

const Interest kBoth = Interest::readable | Interest::writable;

std::string unique_name() {
  static std::atomic<int> n{0};
  return "\\\\.\\pipe\\pollux-np-" + std::to_string(GetCurrentProcessId()) + "-" + std::to_string(n++);
}

NamedPipe make_server(const std::string& name, const NamedPipeOptions& options = {}) {
  std::error_code ec;
  auto pipe = NamedPipe::create_server(name, options, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  return pipe;
}

NamedPipe make_client(const std::string& name, const NamedPipeOptions& options = {}) {
  std::error_code ec;
  auto pipe = NamedPipe::open_client(name, options, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  return pipe;
}

void add(pollux::Poll& poll, NamedPipe& pipe, Token token, Interest interest = kBoth) {
  auto ec = poll.registry().add(pipe, token, interest);
  REQUIRE_MESSAGE(!ec, ec.message());
}

// Reads until `n` bytes (or EOF), `chunk` at a time, polling on would-block.
std::string read_some(pollux::Poll& poll, Events& events, NamedPipe& pipe, std::size_t n,
                      std::size_t chunk) {
  std::string got;
  std::string buffer(chunk, '\0');
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    auto k = pipe.read(buffer.data(), buffer.size(), ec);
    if (ec == std::errc::operation_would_block) {
      REQUIRE(!poll.poll(events, 100ms));
      continue;
    }
    REQUIRE_MESSAGE(!ec, ec.message());
    if (k == 0) break;
    CHECK(k <= chunk);
    got.append(buffer.data(), k);
  }
  return got;
}

void write_all(pollux::Poll& poll, Events& events, NamedPipe& pipe, const std::string& data) {
  std::size_t done = 0;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (done < data.size() && std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    auto k = pipe.write(data.data() + done, data.size() - done, ec);
    if (ec == std::errc::operation_would_block) {
      REQUIRE(!poll.poll(events, 100ms));
      continue;
    }
    REQUIRE_MESSAGE(!ec, ec.message());
    done += k;
  }
  REQUIRE(done == data.size());
}

bool under_wine() {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  return ntdll != nullptr && GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
  return s;
}

}  // namespace

TEST_CASE("both ends are writable once connected and added") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto name = unique_name();
  auto server = make_server(name);
  add(poll, server, Token(0));
  auto client = make_client(name);
  add(poll, client, Token(1));
  REQUIRE(!server.connect());
  test::expect_events(poll, events, {{Token(0), test::kWritable}, {Token(1), test::kWritable}});
}

TEST_CASE("write then read, both ways") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto name = unique_name();
  auto server = make_server(name);
  add(poll, server, Token(0));
  auto client = make_client(name);
  add(poll, client, Token(1));
  REQUIRE(!server.connect());
  write_all(poll, events, client, "1234");
  test::expect_events(poll, events, {{Token(0), test::kReadable}});
  CHECK(read_some(poll, events, server, 4, 64) == "1234");
  write_all(poll, events, server, "5678");
  test::expect_events(poll, events, {{Token(1), test::kReadable}});
  CHECK(read_some(poll, events, client, 4, 64) == "5678");
  std::error_code ec;
  char c;
  CHECK(server.read(&c, 1, ec) == 0);
  CHECK(ec == std::errc::operation_would_block);
}

TEST_CASE("connect before the client: would-block, then writable when it comes") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto name = unique_name();
  auto server = make_server(name);
  add(poll, server, Token(0));
  CHECK(server.connect() == std::errc::operation_would_block);
  CHECK(server.connect() == std::errc::operation_would_block);
  test::expect_no_events(poll, events);
  auto client = make_client(name);
  add(poll, client, Token(1));
  test::expect_events(poll, events, {{Token(0), test::kWritable}});
  CHECK(!server.connect());
  write_all(poll, events, server, "hello");
  CHECK(read_some(poll, events, client, 5, 64) == "hello");
}

TEST_CASE("connect after the client: connected at once") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto name = unique_name();
  auto server = make_server(name);
  auto client = make_client(name);
  add(poll, client, Token(1));
  add(poll, server, Token(0));
  CHECK(!server.connect());
  test::expect_events(poll, events, {{Token(0), test::kWritable}});
  write_all(poll, events, client, "x");
  CHECK(read_some(poll, events, server, 1, 8) == "x");
}

TEST_CASE("the client dropped: writes fail with ERROR_NO_DATA, reads see EOF") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto name = unique_name();
  auto server = make_server(name);
  add(poll, server, Token(0));
  {
    auto client = make_client(name);
    REQUIRE(!server.connect());
  }
  test::expect_events(poll, events, {{Token(0), test::kReadable | test::kReadClosed}});
  std::error_code ec;
  char c;
  CHECK(server.read(&c, 1, ec) == 0);
  CHECK(!ec);
  CHECK(server.write("abc", 3, ec) == 0);
  CHECK(ec.value() == ERROR_NO_DATA);
  CHECK(ec == std::errc::broken_pipe);
  // And again: the pipe stays broken.
  CHECK(server.write("abc", 3, ec) == 0);
  CHECK(ec.value() == ERROR_NO_DATA);
}

TEST_CASE("data written before the client dropped is still readable, then EOF") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto name = unique_name();
  auto server = make_server(name);
  add(poll, server, Token(0));
  {
    auto client = make_client(name);
    add(poll, client, Token(1));
    REQUIRE(!server.connect());
    write_all(poll, events, client, "1234");
    // Let the write complete before the client goes.
    test::expect_events(poll, events, {{Token(1), test::kWritable}});
  }
  CHECK(read_some(poll, events, server, 100, 64) == "1234");
  std::error_code ec;
  char c;
  CHECK(server.read(&c, 1, ec) == 0);
  CHECK(!ec);
}

TEST_CASE("8192- and 10000-byte writes read back through 4000- and 128-byte reads") {
  for (std::size_t size : {std::size_t{8192}, std::size_t{10000}}) {
    for (std::size_t chunk : {std::size_t{4000}, std::size_t{128}}) {
      CAPTURE(size);
      CAPTURE(chunk);
      auto poll = test::init_with_poll();
      Events events(16);
      auto name = unique_name();
      auto server = make_server(name);
      add(poll, server, Token(0));
      auto client = make_client(name);
      add(poll, client, Token(1));
      REQUIRE(!server.connect());
      auto data = pattern(size);
      write_all(poll, events, client, data);
      CHECK(read_some(poll, events, server, size, chunk) == data);
      write_all(poll, events, server, data);
      CHECK(read_some(poll, events, client, size, chunk) == data);
    }
  }
}

TEST_CASE("disconnect, then the same instance serves the next client") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto name = unique_name();
  NamedPipeOptions options;
  options.max_instances = 1;
  auto server = make_server(name, options);
  add(poll, server, Token(0));
  for (int round = 0; round < 3; ++round) {
    CAPTURE(round);
    auto result = server.connect();
    if (round == 0) CHECK(result == std::errc::operation_would_block);
    auto client = make_client(name);
    add(poll, client, Token(1));
    test::expect_events(poll, events, {{Token(0), test::kWritable}});
    CHECK(!server.connect());
    std::string msg = "round " + std::to_string(round);
    write_all(poll, events, client, msg);
    CHECK(read_some(poll, events, server, msg.size(), 64) == msg);
    write_all(poll, events, server, msg);
    CHECK(read_some(poll, events, client, msg.size(), 64) == msg);
    REQUIRE(!poll.registry().remove(client));
    REQUIRE(!server.disconnect());
    CHECK(server.connect() == std::errc::operation_would_block);
  }
}

TEST_CASE("modify and remove before add, or in another Poll, are errors") {
  auto poll = test::init_with_poll();
  auto other = test::init_with_poll();
  auto name = unique_name();
  auto server = make_server(name);
  CHECK(poll.registry().modify(server, Token(0), kBoth) == std::errc::no_such_file_or_directory);
  CHECK(poll.registry().remove(server) == std::errc::no_such_file_or_directory);
  CHECK(server.connect() == std::errc::no_such_file_or_directory);
  add(poll, server, Token(0));
  CHECK(poll.registry().add(server, Token(0), kBoth) == std::errc::file_exists);
  CHECK(other.registry().modify(server, Token(0), kBoth) == std::errc::no_such_file_or_directory);
  CHECK(other.registry().remove(server) == std::errc::no_such_file_or_directory);
  NamedPipe empty;
  CHECK(poll.registry().add(empty, Token(0), kBoth) == std::errc::bad_file_descriptor);
  auto client = make_client(name);
  CHECK(client.connect() == std::errc::operation_not_supported);
  CHECK(client.disconnect() == std::errc::operation_not_supported);
}

TEST_CASE("message mode: messages arrive whole, one per read, never merged") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto name = unique_name();
  NamedPipeOptions options;
  options.mode = PipeMode::message;
  options.read_buffer_size = 1024;
  auto server = make_server(name, options);
  add(poll, server, Token(0));
  auto client = make_client(name, options);
  add(poll, client, Token(1));
  REQUIRE(!server.connect());
  auto big = pattern(5000);  // larger than the read buffer: gathered whole
  for (const std::string& m : {std::string("one"), std::string("two!"), big}) {
    write_all(poll, events, client, m);
  }
  std::string buffer(8192, '\0');
  for (const std::string& m : {std::string("one"), std::string("two!"), big}) {
    std::error_code ec;
    std::size_t k = 0;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline) {
      k = server.read(buffer.data(), buffer.size(), ec);
      if (ec != std::errc::operation_would_block) break;
      REQUIRE(!poll.poll(events, 100ms));
    }
    REQUIRE_MESSAGE(!ec, ec.message());
    CHECK(buffer.substr(0, k) == m);
  }
}

TEST_CASE("message mode: a message longer than the caller's buffer says message_size") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto name = unique_name();
  NamedPipeOptions options;
  options.mode = PipeMode::message;
  options.read_buffer_size = 512;
  options.max_message_size = 2048;  // smaller than the message: delivered in parts
  auto server = make_server(name, options);
  add(poll, server, Token(0));
  auto client = make_client(name, options);
  add(poll, client, Token(1));
  REQUIRE(!server.connect());
  auto big = pattern(6000);
  write_all(poll, events, client, big);
  write_all(poll, events, client, "next");
  std::string got;
  std::string buffer(700, '\0');
  bool ended = false;
  int parts = 0;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!ended && std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    auto k = server.read(buffer.data(), buffer.size(), ec);
    if (ec == std::errc::operation_would_block) {
      REQUIRE(!poll.poll(events, 100ms));
      continue;
    }
    got.append(buffer.data(), k);
    ++parts;
    if (!ec) {
      ended = true;
    } else {
      REQUIRE(ec == std::errc::message_size);
      REQUIRE(k > 0);
    }
  }
  CHECK(ended);
  CHECK(parts >= 9);  // 6000 bytes through 700-byte reads
  CHECK(got == big);
  // The next message starts afresh.
  CHECK(read_some(poll, events, server, 4, 64) == "next");
  // A message longer than the write buffer is refused whole.
  std::error_code ec;
  auto huge = pattern(options.write_buffer_size + 1);
  CHECK(client.write(huge.data(), huge.size(), ec) == 0);
  CHECK(ec == std::errc::message_size);
}

TEST_CASE("write buffering is bounded and pushes back with would-block") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto name = unique_name();
  NamedPipeOptions options;
  options.write_buffer_size = 1000;
  auto server = make_server(name, options);
  add(poll, server, Token(0));
  auto client = make_client(name, options);
  add(poll, client, Token(1));
  REQUIRE(!server.connect());
  auto data = pattern(5000);
  std::error_code ec;
  CHECK(client.write(data.data(), data.size(), ec) == 1000);
  CHECK(!ec);
  // In flight until a poll takes its completion in.
  CHECK(client.write(data.data(), data.size(), ec) == 0);
  CHECK(ec == std::errc::operation_would_block);
  test::expect_events(poll, events, {{Token(1), test::kWritable}});
  CHECK(client.write(data.data() + 1000, 4000, ec) == 1000);
  CHECK(read_some(poll, events, server, 2000, 4096) == data.substr(0, 2000));
}

TEST_CASE("server options: first instance, instance limit; clients: busy, absent, timeout") {
  std::error_code ec;
  {
    auto claimed = unique_name();
    NamedPipeOptions first;
    first.first_instance = true;
    auto server = make_server(claimed, first);
    auto again = NamedPipe::create_server(claimed, first, ec);
    if (under_wine()) {
      // Seen with Wine 8: CreateNamedPipeW ignores FILE_FLAG_FIRST_PIPE_INSTANCE.
      MESSAGE("Wine does not enforce FILE_FLAG_FIRST_PIPE_INSTANCE; not checked here");
    } else {
      CHECK(ec == std::errc::permission_denied);
    }
    // Without the flag, another instance of the name is fine.
    auto more = make_server(claimed);
  }
  auto name = unique_name();
  NamedPipeOptions limited;
  limited.max_instances = 1;
  auto server = make_server(name, limited);
  auto second = NamedPipe::create_server(name, limited, ec);
  CHECK(ec == std::errc::device_or_resource_busy);
  auto client = make_client(name);
  auto busy = NamedPipe::open_client(name, {}, ec);
  CHECK(ec == std::errc::device_or_resource_busy);
  const auto start = std::chrono::steady_clock::now();
  auto late = NamedPipe::connect_client(name, {}, 200ms, ec);
  CHECK(ec == std::errc::timed_out);
  CHECK(std::chrono::steady_clock::now() - start >= 190ms);
  auto absent = NamedPipe::open_client(unique_name(), {}, ec);
  CHECK(ec == std::errc::no_such_file_or_directory);
  NamedPipeOptions bad;
  bad.read_buffer_size = 0;
  auto invalid = NamedPipe::create_server(unique_name(), bad, ec);
  CHECK(ec == std::errc::invalid_argument);
  auto unnamed = NamedPipe::create_server("", {}, ec);
  CHECK(ec == std::errc::invalid_argument);
}

TEST_CASE("removing a pipe with I/O in flight, then destroying it, is clean") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto name = unique_name();
  auto client = std::make_unique<NamedPipe>();
  {
    auto server = make_server(name);
    add(poll, server, Token(0));
    CHECK(server.connect() == std::errc::operation_would_block);
    *client = make_client(name);
    add(poll, *client, Token(1));
    REQUIRE(!poll.registry().remove(server));
  }
  // The server is gone with its pending read and connect: nothing reports for it.
  const auto deadline = std::chrono::steady_clock::now() + 300ms;
  while (std::chrono::steady_clock::now() < deadline) {
    REQUIRE(!poll.poll(events, 50ms));
    for (const auto& e : events) CHECK(e.token() != Token(0));
  }
  client.reset();
  test::expect_no_events(poll, events);
}

TEST_CASE("interest filters what is reported; modify changes it") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto name = unique_name();
  auto server = make_server(name);
  add(poll, server, Token(0), Interest::readable);
  auto client = make_client(name);
  add(poll, client, Token(1), Interest::readable);
  REQUIRE(!server.connect());
  // Connected and writable, but nobody asked for writable.
  test::expect_no_events(poll, events, 100ms);
  write_all(poll, events, client, "ping");
  test::expect_events(poll, events, {{Token(0), test::kReadable}});
  REQUIRE(!poll.registry().modify(client, Token(1), Interest::writable));
  std::error_code ec;
  CHECK(client.write("a", 1, ec) == 1);
  test::expect_events(poll, events, {{Token(1), test::kWritable}});
  char c;
  CHECK(server.read(&c, 0, ec) == 0);
  CHECK(ec == std::errc::invalid_argument);
  for (const auto& e : events) CHECK(!e.is_readable());
}
