// SPDX-License-Identifier: MIT
// Checks the epoll headers' own declarations (include/backend/epoll/pollux/sys/libc.hpp)
// against the real C library headers, in one translation unit that includes both: a
// declaration that differed from glibc's would fail to compile here, and a constant or a
// layout that differed fails a static_assert. The headers declare instead of including so
// that user code does not get EPOLLIN, SOCK_STREAM, ::socket and friends from pollux.

#include <pollux/sys/libc.hpp>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstddef>
#include <type_traits>

namespace pollux::inline POLLUX_ABI()::sys::libc {

static_assert(std::is_same_v<SSize, ssize_t>);
static_assert(sizeof(EpollEvent) == sizeof(epoll_event));
static_assert(alignof(EpollEvent) == alignof(epoll_event));
static_assert(offsetof(EpollEvent, events) == offsetof(epoll_event, events));
static_assert(offsetof(EpollEvent, data) == offsetof(epoll_event, data));
static_assert(sizeof(EpollData) == sizeof(epoll_data_t));
static_assert(kEpollIn == EPOLLIN && kEpollPri == EPOLLPRI && kEpollOut == EPOLLOUT);
static_assert(kEpollErr == EPOLLERR && kEpollHup == EPOLLHUP && kEpollRdHup == EPOLLRDHUP);
static_assert(kEpollEt == static_cast<std::uint32_t>(EPOLLET));
static_assert(kEpollCtlAdd == EPOLL_CTL_ADD && kEpollCtlDel == EPOLL_CTL_DEL);
static_assert(kEpollCtlMod == EPOLL_CTL_MOD);
static_assert(kMsgNoSignal == MSG_NOSIGNAL);

}  // namespace pollux::sys::libc
