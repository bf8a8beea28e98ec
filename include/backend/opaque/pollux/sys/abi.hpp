// SPDX-License-Identifier: MIT
#pragma once
// The ABI tag of the opaque header set: every pollux name is declared in the inline
// namespace pollux::abi_opaque. The two header sets lay out the same types differently
// (Event is the kernel's 12-byte epoll_event with the epoll headers, 32 bytes with the
// opaque ones), so code compiled against one set and linked with a library built for the
// other must not link: its references name pollux::abi_opaque, the library defines the
// other tag (tests/abi_tag.sh shows the link failing).
//
// A function-like macro: a file that opens `namespace pollux::inline POLLUX_ABI()` without
// this header does not compile. With a plain name it would silently open a namespace
// called POLLUX_ABI.
#define POLLUX_ABI() abi_opaque
