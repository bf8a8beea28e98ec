// SPDX-License-Identifier: MIT
#pragma once
// win::JobObject: a job object whose notifications (a process in it exited...) arrive
// through a Poll.

#include <cstdint>
#include <memory>
#include <system_error>

#include <pollux/config.hpp>
#include <pollux/event.hpp>
#include <pollux/interest.hpp>
#include <pollux/token.hpp>

namespace pollux::inline POLLUX_ABI() {
class Registry;
}
namespace pollux::inline POLLUX_ABI()::sys {
struct JobRoute;
}

namespace pollux::inline POLLUX_ABI()::win {

/// A job object (CreateJobObjectW) associated with a Poll's completion port
/// (JOBOBJECT_ASSOCIATE_COMPLETION_PORT). The job posts its notifications without an
/// OVERLAPPED; each arrives as one event with the JobObject's token, is_completion() and
/// is_readable() true, and job_message_of / job_process_of telling what happened to
/// which process. The Interest is not used; pass any non-empty one.
///
/// A job can be associated with one port only, once (Windows keeps the association for
/// the job's life): adding it again after remove, or to another Poll, fails with
/// std::errc::file_exists. After remove (or destruction) returns, no notification of it
/// is reported. Destroying the JobObject closes its handle; processes in the job keep
/// running (no JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE is set).
class POLLUX_API JobObject {
 public:
  /// The notifications a job posts (JOB_OBJECT_MSG_*), as job_message_of reports them.
  enum class Message : std::uint32_t {
    end_of_job_time = 1,
    end_of_process_time = 2,
    active_process_limit = 3,
    active_process_zero = 4,
    new_process = 6,
    exit_process = 7,
    abnormal_exit_process = 8,
    process_memory_limit = 9,
    job_memory_limit = 10,
  };

  JobObject() noexcept = default;
  /// Creates an unnamed job object.
  static JobObject create(std::error_code& ec);
  ///@{
  /// Movable, not copyable: the handle moves with it.
  JobObject(JobObject&&) noexcept;
  JobObject& operator=(JobObject&&) noexcept;
  ///@}
  ~JobObject();

  /// False for an empty JobObject (default-made, moved from, or failed to create).
  bool is_open() const noexcept { return handle_ != nullptr; }
  /// The job's HANDLE, for SetInformationJobObject and friends.
  void* handle() const noexcept { return handle_; }

  /// Puts a process (a HANDLE with PROCESS_SET_QUOTA | PROCESS_TERMINATE) in the job.
  /// Start it suspended and resume it after, or its first children may escape the job.
  [[nodiscard]] std::error_code assign(void* process) const noexcept;

  ///@{
  /// The Source hooks behind Registry::add, modify and remove: call those.
  [[nodiscard]] std::error_code add_to(const Registry& registry, Token token, Interest interest);
  [[nodiscard]] std::error_code modify_in(const Registry& registry, Token token, Interest interest);
  [[nodiscard]] std::error_code remove_from(const Registry& registry);
  ///@}

 private:
  void release() noexcept;
  void* handle_ = nullptr;
  bool associated_ = false;
  std::shared_ptr<sys::JobRoute> route_;
};

/// The notification an event of a JobObject carries.
inline JobObject::Message job_message_of(const Event& event) noexcept {
  return static_cast<JobObject::Message>(event.bytes_transferred());
}
/// The process id it is about (0 for notifications about the whole job).
inline std::uint32_t job_process_of(const Event& event) noexcept {
  return static_cast<std::uint32_t>(event.completion_data());
}

}  // namespace pollux::win
