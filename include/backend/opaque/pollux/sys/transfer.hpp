// SPDX-License-Identifier: MIT
#pragma once
// Stream transfers of the backends that keep them in the library (poll(2) re-arms its
// emulated edges on would-block; Windows goes through Winsock): lib/opaque_backend.cpp.

#include <cstddef>
#include <span>
#include <system_error>

#include <pollux/config.hpp>
#include <pollux/detail/io_source.hpp>

namespace pollux::inline POLLUX_ABI()::sys {

POLLUX_API std::size_t stream_read(detail::IoSource& io, std::span<std::byte> buf, std::error_code& ec) noexcept;
POLLUX_API std::size_t stream_write(detail::IoSource& io,
                                    std::span<const std::byte> buf,
                                    std::error_code& ec) noexcept;

}  // namespace pollux::sys
