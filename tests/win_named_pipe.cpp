// SPDX-License-Identifier: MIT
// win::NamedPipe: mio's named-pipe contract (connect before and after the client, EOF and
// ERROR_NO_DATA after the client left, large transfers through small reads, reuse of an
// instance, misuse), and removal with I/O in flight.

#include "win_pipe_util.hpp"

using namespace std::chrono_literals;
using namespace test::pipe;

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
  // The span spelling.
  const std::byte out[3] = {std::byte{1}, std::byte{2}, std::byte{3}};
  CHECK(client.write(std::span<const std::byte>(out), ec) == 3);
  std::byte in[8];
  std::size_t got = 0;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (got == 0 && std::chrono::steady_clock::now() < deadline) {
    got = server.read(std::span<std::byte>(in), ec);
    if (ec == std::errc::operation_would_block) REQUIRE(!poll.poll(events, 100ms));
  }
  CHECK(got == 3);
  CHECK(in[2] == std::byte{3});
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


TEST_CASE("disconnect while waiting for a client, then connect again at once") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto name = unique_name();
  auto server = make_server(name);
  add(poll, server, Token(0));
  CHECK(server.connect() == std::errc::operation_would_block);
  // The cancelled connect is still on its way back through the port.
  REQUIRE(!server.disconnect());
  CHECK(server.connect() == std::errc::operation_would_block);
  test::expect_no_events(poll, events);
  auto client = make_client(name);
  add(poll, client, Token(1));
  test::expect_events(poll, events, {{Token(0), test::kWritable}});
  CHECK(!server.connect());
  write_all(poll, events, client, "after reconnect");
  CHECK(read_some(poll, events, server, 15, 64) == "after reconnect");
}

TEST_CASE("the server dropped: the client reads what was sent, then EOF, and writes fail") {
  auto poll = test::init_with_poll();
  Events events(16);
  auto name = unique_name();
  auto client = std::make_unique<NamedPipe>();
  {
    auto server = make_server(name);
    add(poll, server, Token(0));
    *client = make_client(name);
    add(poll, *client, Token(1));
    REQUIRE(!server.connect());
    write_all(poll, events, server, "bye");
    test::expect_events(poll, events, {{Token(0), test::kWritable}});
  }
  // read_some stops at EOF, after the data.
  CHECK(read_some(poll, events, *client, 100, 64) == "bye");
  std::error_code ec;
  char c;
  CHECK(client->read(&c, 1, ec) == 0);
  CHECK(!ec);
  CHECK(client->write("x", 1, ec) == 0);
  CHECK(ec);
}
