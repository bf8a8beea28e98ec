// SPDX-License-Identifier: MIT
#pragma once
// The umbrella header: every portable noun. OS-specific nouns live under
// <pollux/unix/...>, <pollux/win/...>; the executor under <pollux/exec/...>.

#include <pollux/config.hpp>
#include <pollux/event.hpp>
#include <pollux/interest.hpp>
#include <pollux/net/ip_addr.hpp>
#include <pollux/net/shutdown.hpp>
#include <pollux/net/socket_addr.hpp>
#include <pollux/net/tcp_listener.hpp>
#include <pollux/net/tcp_stream.hpp>
#include <pollux/net/udp_socket.hpp>
#include <pollux/poll.hpp>
#include <pollux/command.hpp>
#include <pollux/process.hpp>
#include <pollux/signals.hpp>
#include <pollux/source.hpp>
#include <pollux/token.hpp>
#include <pollux/version.hpp>
#include <pollux/waker.hpp>
#include <pollux/would_block.hpp>
