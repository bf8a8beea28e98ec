// SPDX-License-Identifier: MIT
// win::NamedPipe: message mode, bounded write buffering, options, interest filtering.

#include "win_pipe_util.hpp"

using namespace std::chrono_literals;
using namespace test::pipe;
using pollux::win::PipeMode;

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

// first_instance and the security options: win_named_pipe_security.cpp.
TEST_CASE("server options: instance limit; clients: busy, absent, timeout") {
  std::error_code ec;
  auto name = unique_name();
  NamedPipeOptions limited;
  limited.max_instances = 1;
  auto server = make_server(name, limited);
  // Joining (not claiming) the name, so that only the limit can refuse it.
  limited.first_instance = false;
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
