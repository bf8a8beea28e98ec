// SPDX-License-Identifier: MIT
// win::JobObject: JOBOBJECT_ASSOCIATE_COMPLETION_PORT under the job's own route key.
//
// A job posts packets with our key, the message id in dwNumberOfBytesTransferred and the
// process id in lpOverlapped (not a pointer: nothing is dereferenced).

#include <utility>

#include <pollux/poll.hpp>
#include <pollux/win/job_object.hpp>

#include "binding_route.hpp"
#include "error.hpp"
#include "selector.hpp"

namespace pollux::inline POLLUX_ABI()::sys {

struct JobRoute final : Route {
  bool feed(const OVERLAPPED_ENTRY& entry, Event& out) noexcept override {
    out = Event(sys::event_make_completion(token, Event::kCompletion | Event::kReadable,
                                           reinterpret_cast<std::uintptr_t>(entry.lpOverlapped),
                                           entry.dwNumberOfBytesTransferred, 0));
    return true;
  }
};

}  // namespace pollux::sys

namespace pollux::inline POLLUX_ABI()::win {

JobObject JobObject::create(std::error_code& ec) {
  JobObject job;
  job.handle_ = CreateJobObjectW(nullptr, nullptr);
  if (job.handle_ == nullptr) {
    ec = sys::win_error();
    return job;
  }
  ec.clear();
  return job;
}

JobObject::JobObject(JobObject&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)),
      associated_(std::exchange(other.associated_, false)),
      route_(std::move(other.route_)) {}

JobObject& JobObject::operator=(JobObject&& other) noexcept {
  if (this != &other) {
    release();
    if (handle_ != nullptr) CloseHandle(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
    associated_ = std::exchange(other.associated_, false);
    route_ = std::move(other.route_);
  }
  return *this;
}

JobObject::~JobObject() {
  release();
  if (handle_ != nullptr) CloseHandle(handle_);
}

void JobObject::release() noexcept {
  if (!route_) return;
  auto route = std::move(route_);
  sys::route_remove(*route);
}

std::error_code JobObject::assign(void* process) const noexcept {
  if (handle_ == nullptr) return std::make_error_code(std::errc::bad_file_descriptor);
  if (!AssignProcessToJobObject(handle_, process)) return sys::win_error();
  return {};
}

std::error_code JobObject::add_to(const Registry& registry, Token token, Interest) {
  if (handle_ == nullptr) return std::make_error_code(std::errc::bad_file_descriptor);
  const auto& selector = registry.sys_selector();
  if (!selector) return std::make_error_code(std::errc::bad_file_descriptor);
  if (associated_) return std::make_error_code(std::errc::file_exists);
  auto route = std::make_shared<sys::JobRoute>();
  route->token = token;
  route->selector = selector;
  if (auto ec = sys::route_insert(route)) return ec;
  JOBOBJECT_ASSOCIATE_COMPLETION_PORT info{};
  info.CompletionKey = reinterpret_cast<void*>(route->key);
  info.CompletionPort = selector->port().handle();
  if (!SetInformationJobObject(handle_, JobObjectAssociateCompletionPortInformation, &info,
                               sizeof info)) {
    DWORD error = GetLastError();
    sys::route_remove(*route);
    // Already associated (by someone else, through handle()).
    if (error == ERROR_INVALID_PARAMETER) return std::make_error_code(std::errc::file_exists);
    return sys::win_error(error);
  }
  associated_ = true;
  route_ = std::move(route);
  return {};
}

std::error_code JobObject::modify_in(const Registry& registry, Token token, Interest) {
  if (!route_ || !sys::route_in(*route_, registry.sys_selector())) {
    return std::make_error_code(std::errc::no_such_file_or_directory);
  }
  std::lock_guard lock(route_->dispatch);
  route_->token = token;
  return {};
}

std::error_code JobObject::remove_from(const Registry& registry) {
  if (!route_ || !sys::route_in(*route_, registry.sys_selector())) {
    return std::make_error_code(std::errc::no_such_file_or_directory);
  }
  release();
  return {};
}

}  // namespace pollux::win
