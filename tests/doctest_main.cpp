// SPDX-License-Identifier: MIT
// The one translation unit that compiles doctest's runner, shared by every suite.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
