// SPDX-License-Identifier: MIT
// <pollux/version.hpp> is generated from meson.build's project(version:); the build passes
// that same version as POLLUX_EXPECTED_VERSION, so a stale or hand-edited header fails here.
#include <pollux/pollux.hpp>

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#ifndef POLLUX_EXPECTED_VERSION
#error "tests/meson.build passes POLLUX_EXPECTED_VERSION, meson.project_version()"
#endif

TEST_CASE("the version header carries the project's version") {
  CHECK(std::string_view(POLLUX_VERSION_STRING) == std::string_view(POLLUX_EXPECTED_VERSION));
}

TEST_CASE("the version's parts spell its string and its number") {
  const std::string parts = std::to_string(POLLUX_VERSION_MAJOR) + '.' +
                            std::to_string(POLLUX_VERSION_MINOR) + '.' +
                            std::to_string(POLLUX_VERSION_PATCH);
  CHECK(parts == POLLUX_VERSION_STRING);
  static_assert(POLLUX_VERSION ==
                POLLUX_VERSION_MAJOR * 10000 + POLLUX_VERSION_MINOR * 100 + POLLUX_VERSION_PATCH);
}
