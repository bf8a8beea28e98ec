// SPDX-License-Identifier: MIT
// is_would_block: the same answer as comparing with std::errc::operation_would_block, and
// the canonical code (the one it answers without a virtual call) is what pollux reports.

#include "net_util.hpp"

#include <array>
#include <string>
#include <vector>

#include <pollux/would_block.hpp>

using pollux::is_would_block;
using pollux::net::SocketAddr;
using pollux::net::TcpListener;
using pollux::net::UdpSocket;

namespace {

// A category whose codes share their values with the OS's: only the category tells them
// apart, so is_would_block must look at it.
class LookalikeCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "lookalike"; }
  std::string message(int) const override { return "not an OS error"; }
};
const LookalikeCategory kLookalike;

// What pollux reports for would-block: checked against both answers.
void check_reported(const std::error_code& ec) {
  INFO(ec.category().name(), ": ", ec.value(), " ", ec.message());
  REQUIRE(ec == std::errc::operation_would_block);
  CHECK(is_would_block(ec));
  CHECK(ec.value() == pollux::detail::kWouldBlockValue);
  CHECK(&ec.category() == pollux::detail::kWouldBlockCategory);
}

}  // namespace

TEST_CASE("is_would_block agrees with the errc comparison on codes from anywhere") {
  CHECK_FALSE(is_would_block(std::error_code{}));
  CHECK_FALSE(is_would_block(std::error_code(0, kLookalike)));
  CHECK(is_would_block(std::make_error_code(std::errc::operation_would_block)));
  CHECK(is_would_block(std::make_error_code(std::errc::resource_unavailable_try_again)) ==
        (std::make_error_code(std::errc::resource_unavailable_try_again) == std::errc::operation_would_block));
  CHECK_FALSE(is_would_block(std::make_error_code(std::errc::connection_reset)));
  CHECK_FALSE(is_would_block(std::make_error_code(std::errc::interrupted)));
  // The canonical value in a category that does not mean would-block.
  CHECK_FALSE(is_would_block(std::error_code(pollux::detail::kWouldBlockValue, kLookalike)));
  CHECK(pollux::detail::kWouldBlockCategory != nullptr);
}

TEST_CASE("reads, writes and accepts that would block report the canonical code") {
  std::error_code ec;
  auto listener = TcpListener::bind(test::loopback_v4(), ec);
  REQUIRE(!ec);
  listener.accept(ec);
  check_reported(ec);

  auto pair = test::tcp_pair();
  std::array<std::byte, 64> buf{};
  CHECK(pair.client.read(buf, ec) == 0);
  check_reported(ec);
  pair.client.peek(buf, ec);
  check_reported(ec);

  // A success after the error clears it.
  CHECK(pair.server.write(buf, ec) == buf.size());
  CHECK(!ec);
  std::size_t got = 0;
  for (int i = 0; i < 1000 && got < buf.size(); ++i) {
    got += pair.client.read(buf, ec);
    if (ec) {
      REQUIRE(is_would_block(ec));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  CHECK(got == buf.size());
  CHECK(!ec);
  CHECK(ec.value() == 0);

  // Fill the connection until the send buffer is full.
  std::vector<std::byte> big(64 * 1024);
  for (int i = 0; i < 10000; ++i) {
    pair.server.write(big, ec);
    if (ec) break;
  }
  check_reported(ec);

  auto udp = UdpSocket::bind(test::loopback_v4(), ec);
  REQUIRE(!ec);
  SocketAddr from;
  udp.recv_from(buf, from, ec);
  check_reported(ec);
}
