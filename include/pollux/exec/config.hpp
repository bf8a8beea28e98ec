// SPDX-License-Identifier: MIT
#pragma once
// The export macro of pollux-exec; the same scheme as <pollux/config.hpp>, with its own
// switches, because pollux-exec is a library of its own that may be static while pollux is
// shared, or the reverse.

#include <pollux/config.hpp>

#if defined(POLLUX_EXEC_STATIC)
#define POLLUX_EXEC_API
#elif defined(_WIN32)
#if defined(POLLUX_EXEC_BUILDING)
#define POLLUX_EXEC_API __declspec(dllexport)
#else
#define POLLUX_EXEC_API __declspec(dllimport)
#endif
#else
#define POLLUX_EXEC_API __attribute__((visibility("default")))
#endif
