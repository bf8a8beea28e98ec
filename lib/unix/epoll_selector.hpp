// SPDX-License-Identifier: MIT
#pragma once
// The epoll backend's Selector, shared by its selector, waker and source files. The class
// itself is in its inline half, include/backend/epoll/pollux/sys/selector.hpp.

#include <sys/epoll.h>

#include <pollux/sys/selector.hpp>

#include "../sys.hpp"
#include "errno.hpp"
