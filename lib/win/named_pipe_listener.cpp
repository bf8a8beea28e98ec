// SPDX-License-Identifier: MIT
// win::NamedPipeListener: a pool of server instances with a ConnectNamedPipe pending on
// each, all bound under the listener's token.
//
// Lock order: a route's dispatch lock (held while a Handler runs), then State::mutex, then
// the route table. So nothing that waits for a dispatch lock (removing or re-tokening a
// Binding) runs under State::mutex; instances leave the lists under it and are destroyed
// after it is released. Only the user's thread destroys instances; the polling thread
// only moves them from `waiting` to `ready` and creates new ones.

#include <algorithm>
#include <deque>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include <pollux/event.hpp>
#include <pollux/poll.hpp>
#include <pollux/win/named_pipe_listener.hpp>

#include "error.hpp"
#include "named_pipe_state.hpp"

namespace pollux::inline POLLUX_ABI()::win {

namespace {

struct Instance {
  explicit Instance(HANDLE h) noexcept : handle(h), binding(h) {}
  ~Instance() {
    // Cancel and drain the pending connect before the handle and connect_ov go.
    binding = Binding();
    if (handle != INVALID_HANDLE_VALUE) CloseHandle(handle);
  }
  static std::uint32_t on_connect(Overlapped&, std::uint32_t, std::uint32_t, void*) noexcept;

  HANDLE handle;
  Binding binding;
  Overlapped connect_ov{&on_connect, this};
  NamedPipeListener::State* owner = nullptr;
};

using InstancePtr = std::unique_ptr<Instance>;

}  // namespace

struct NamedPipeListener::State {
  std::wstring name;
  // Without security_descriptor, which `descriptor` holds parsed: accepted pipes copy
  // these options.
  NamedPipeOptions options;
  detail::SecurityDescriptor descriptor;
  std::size_t backlog = 1;

  std::mutex mutex;
  HANDLE first = INVALID_HANDLE_VALUE;
  std::optional<Registry> registry;
  Token token;
  Interest interest = Interest::readable;
  std::vector<InstancePtr> waiting;
  std::deque<InstancePtr> ready;
  // Instances whose connect failed: closed by the user's thread, outside the lock.
  std::vector<InstancePtr> dead;
  std::error_code spawn_error;

  ~State() {
    if (first != INVALID_HANDLE_VALUE) CloseHandle(first);
  }

  // Creates (or takes `first`), binds and starts connecting one instance.
  void spawn_locked() noexcept {
    std::error_code ec;
    HANDLE h = first;
    first = INVALID_HANDLE_VALUE;
    // Only the first instance claims the name: the later ones join it.
    if (h == INVALID_HANDLE_VALUE) {
      h = detail::create_instance(name, options, false, descriptor.get(), ec);
    }
    if (ec) {
      spawn_error = ec;
      return;
    }
    InstancePtr inst;
    try {
      inst = std::make_unique<Instance>(h);
    } catch (const std::bad_alloc&) {
      CloseHandle(h);
      spawn_error = std::make_error_code(std::errc::not_enough_memory);
      return;
    }
    inst->owner = this;
    if ((ec = inst->binding.add_to(*registry, token, interest))) {
      spawn_error = ec;
      return;
    }
    auto r = inst->binding.submit(inst->connect_ov, [](void* pipe, _OVERLAPPED* ov) {
      return ConnectNamedPipe(pipe, reinterpret_cast<OVERLAPPED*>(ov));
    }, ec);
    try {
      if (r == Submitted::pending) {
        waiting.push_back(std::move(inst));
      } else if (ec == sys::win_error(ERROR_PIPE_CONNECTED)) {
        // A client was quicker than ConnectNamedPipe: connected, and no completion.
        ready.push_back(std::move(inst));
      } else {
        spawn_error = ec;
        dead.push_back(std::move(inst));
      }
    } catch (const std::bad_alloc&) {
      spawn_error = std::make_error_code(std::errc::not_enough_memory);
      // Destroying it here could wait, under `mutex`, for its own Handler: leak it.
      (void)inst.release();
    }
  }

  void top_up_locked() noexcept {
    std::size_t attempts = backlog;
    while (registry && waiting.size() < backlog && attempts-- > 0) {
      spawn_locked();
      if (spawn_error) break;
    }
  }

  // Everything, out of the lists, for the caller to destroy without the lock.
  std::vector<InstancePtr> take_all_locked() {
    std::vector<InstancePtr> all = std::move(dead);
    dead.clear();
    for (auto& i : waiting) all.push_back(std::move(i));
    for (auto& i : ready) all.push_back(std::move(i));
    waiting.clear();
    ready.clear();
    return all;
  }
};

std::uint32_t Instance::on_connect(Overlapped&, std::uint32_t, std::uint32_t status, void* context) noexcept {
  // Safety: connect_ov is created with its Instance as context.
  auto& inst = *static_cast<Instance*>(context);
  auto& s = *inst.owner;
  std::lock_guard lock(s.mutex);
  auto it = std::find_if(s.waiting.begin(), s.waiting.end(),
                         [&](const InstancePtr& p) { return p.get() == &inst; });
  // Not waiting any more: the listener is being removed.
  if (it == s.waiting.end() || status == ERROR_OPERATION_ABORTED) return 0;
  InstancePtr taken = std::move(*it);
  s.waiting.erase(it);
  try {
    if (status == ERROR_SUCCESS || status == ERROR_PIPE_CONNECTED) {
      s.ready.push_back(std::move(taken));
    } else {
      // The client left before the connect was seen (ERROR_NO_DATA): the instance is spent.
      s.dead.push_back(std::move(taken));
    }
  } catch (const std::bad_alloc&) {
    s.spawn_error = std::make_error_code(std::errc::not_enough_memory);
    taken.release();  // Leaked rather than destroyed under its own route's lock.
  }
  s.top_up_locked();
  if (s.ready.empty() && !s.spawn_error) return 0;
  return s.interest.is_readable() ? std::uint32_t{Event::kReadable} : 0;
}

NamedPipeListener::NamedPipeListener() noexcept = default;
NamedPipeListener::NamedPipeListener(NamedPipeListener&&) noexcept = default;
NamedPipeListener& NamedPipeListener::operator=(NamedPipeListener&& other) noexcept {
  if (this != &other) {
    if (state_ && state_->registry) {
      Registry registry = *state_->registry;
      (void)remove_from(registry);
    }
    state_ = std::move(other.state_);
  }
  return *this;
}

NamedPipeListener::~NamedPipeListener() {
  if (state_ && state_->registry) {
    Registry registry = *state_->registry;
    (void)remove_from(registry);
  }
}

NamedPipeListener NamedPipeListener::create(std::string_view name,
                                            const NamedPipeOptions& options,
                                            std::size_t backlog,
                                            std::error_code& ec) {
  if ((ec = detail::check(options))) return {};
  backlog = std::max<std::size_t>(backlog, 1);
  if (backlog > options.max_instances) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return {};
  }
  NamedPipeListener listener;
  try {
    listener.state_ = std::make_shared<State>();
  } catch (const std::bad_alloc&) {
    ec = std::make_error_code(std::errc::not_enough_memory);
    return {};
  }
  auto& s = *listener.state_;
  try {
    s.name = detail::widen(name, ec);
    if (ec) return {};
    s.descriptor = detail::security_descriptor(options, ec);
    if (ec) return {};
    s.options = options;
    s.options.security_descriptor = std::string();
  } catch (const std::bad_alloc&) {
    ec = std::make_error_code(std::errc::not_enough_memory);
    return {};
  }
  s.backlog = backlog;
  s.first = detail::create_instance(s.name, options, options.first_instance,
                                    s.descriptor.get(), ec);
  if (ec) return {};
  return listener;
}

std::error_code NamedPipeListener::add_to(const Registry& registry, Token token, Interest interest) {
  if (!state_) return std::make_error_code(std::errc::bad_file_descriptor);
  if (!registry.sys_selector()) return std::make_error_code(std::errc::bad_file_descriptor);
  auto& s = *state_;
  std::lock_guard lock(s.mutex);
  if (s.registry) return std::make_error_code(std::errc::file_exists);
  s.registry = registry;
  s.token = token;
  s.interest = interest;
  s.spawn_error.clear();
  s.top_up_locked();
  if (s.waiting.empty() && s.ready.empty()) {
    s.registry.reset();
    return s.spawn_error;
  }
  return {};
}

std::error_code NamedPipeListener::modify_in(const Registry& registry, Token token, Interest interest) {
  if (!state_) return std::make_error_code(std::errc::bad_file_descriptor);
  auto& s = *state_;
  std::vector<Instance*> all;
  {
    std::lock_guard lock(s.mutex);
    if (!s.registry || s.registry->sys_selector() != registry.sys_selector()) {
      return std::make_error_code(std::errc::no_such_file_or_directory);
    }
    s.token = token;
    s.interest = interest;
    for (auto& i : s.waiting) all.push_back(i.get());
    for (auto& i : s.ready) all.push_back(i.get());
  }
  // Outside the lock (see the top): instances are destroyed on this thread only, and the
  // ones created meanwhile got the new token already.
  for (auto* i : all) (void)i->binding.modify_in(registry, token, interest);
  return {};
}

std::error_code NamedPipeListener::remove_from(const Registry& registry) {
  if (!state_) return std::make_error_code(std::errc::bad_file_descriptor);
  auto& s = *state_;
  std::vector<InstancePtr> all;
  {
    std::lock_guard lock(s.mutex);
    if (!s.registry || s.registry->sys_selector() != registry.sys_selector()) {
      return std::make_error_code(std::errc::no_such_file_or_directory);
    }
    s.registry.reset();
    all = s.take_all_locked();
  }
  all.clear();
  return {};
}

NamedPipe NamedPipeListener::accept(std::error_code& ec) {
  ec.clear();
  if (!state_) {
    ec = std::make_error_code(std::errc::bad_file_descriptor);
    return {};
  }
  auto& s = *state_;
  InstancePtr inst;
  std::vector<InstancePtr> dead;
  {
    std::lock_guard lock(s.mutex);
    dead = std::move(s.dead);
    s.dead.clear();
    if (!s.ready.empty()) {
      inst = std::move(s.ready.front());
      s.ready.pop_front();
    }
    if (!s.spawn_error) s.top_up_locked();
    if (!inst) {
      if (s.spawn_error) {
        ec = s.spawn_error;
        s.spawn_error.clear();
      } else {
        ec = std::make_error_code(std::errc::operation_would_block);
      }
    }
  }
  if (!inst) return {};
  NamedPipe pipe;
  try {
    pipe = NamedPipe::adopt_server(std::move(inst->binding), s.options);
  } catch (const std::bad_alloc&) {
    ec = std::make_error_code(std::errc::not_enough_memory);
    return {};
  }
  // The pipe owns the handle now.
  inst->handle = INVALID_HANDLE_VALUE;
  return pipe;
}

std::size_t NamedPipeListener::waiting() const noexcept {
  if (!state_) return 0;
  std::lock_guard lock(state_->mutex);
  return state_->waiting.size();
}

}  // namespace pollux::win
