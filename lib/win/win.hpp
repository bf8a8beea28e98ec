// SPDX-License-Identifier: MIT
#pragma once
// The one includer of the Windows SDK headers in pollux. Everything in lib/win/ includes
// this first, so the macros below are set before any SDK header is read.

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
// GetQueuedCompletionStatusEx and SetFileCompletionNotificationModes need Vista; we run
// on Windows 7 and later (Wine reports 7). mingw-w64 may already have picked a newer one.
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0601
#endif

// winsock2.h must come before windows.h, which would otherwise pull in winsock 1.
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <windows.h>
// ConvertStringSecurityDescriptorToSecurityDescriptorW (advapi32), for named pipes.
#include <sddl.h>

// POLLUX_ABI(), for the files that include nothing of pollux's but this header.
#include <pollux/config.hpp>
