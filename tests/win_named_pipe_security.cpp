// SPDX-License-Identifier: MIT
// win::NamedPipe and win::NamedPipeListener against pipe squatting: a server claims its
// name by default, refuses remote clients by default, and takes a security descriptor.
//
// Wine 8 enforces neither FILE_FLAG_FIRST_PIPE_INSTANCE nor a pipe's DACL when a client
// opens it (both seen, also with raw Win32 calls), so under Wine these tests check what
// pollux asks of Windows: every CreateNamedPipeW of this program goes through a spy
// patched into its import table (pollux is linked in statically, so its calls go through
// that table too), and the DACL a pipe got is read back with GetSecurityInfo. On Windows
// they also check that the squatter and the unwanted client are refused.

#include "win_pipe_util.hpp"

#include <pollux/win/named_pipe_listener.hpp>

#include <aclapi.h>
#include <sddl.h>

#include <cstring>
#include <mutex>
#include <vector>

using namespace std::chrono_literals;
using namespace test::pipe;
using pollux::win::NamedPipeListener;

namespace {

struct CreateCall {
  std::wstring name;
  DWORD open_mode = 0;
  DWORD pipe_mode = 0;
  bool has_attributes = false;
  std::wstring dacl;  // of the descriptor passed, as SDDL
};

std::wstring dacl_string(PSECURITY_DESCRIPTOR sd) {
  LPWSTR text = nullptr;
  if (sd == nullptr || !ConvertSecurityDescriptorToStringSecurityDescriptorW(
                           sd, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &text, nullptr)) {
    return L"?";
  }
  std::wstring result(text);
  LocalFree(text);
  return result;
}

std::wstring wide(const std::string& ascii) { return {ascii.begin(), ascii.end()}; }

// The spy. It may run on any thread: it only records, under a lock.
std::mutex g_mutex;
std::vector<CreateCall> g_calls;
decltype(&CreateNamedPipeW) g_real = nullptr;

HANDLE WINAPI spy_create_named_pipe(LPCWSTR name, DWORD open_mode, DWORD pipe_mode,
                                    DWORD max_instances, DWORD out_size, DWORD in_size,
                                    DWORD timeout, LPSECURITY_ATTRIBUTES attributes) {
  CreateCall call{name, open_mode, pipe_mode, attributes != nullptr, {}};
  if (attributes != nullptr) call.dacl = dacl_string(attributes->lpSecurityDescriptor);
  {
    std::lock_guard lock(g_mutex);
    g_calls.push_back(std::move(call));
  }
  return g_real(name, open_mode, pipe_mode, max_instances, out_size, in_size, timeout,
                attributes);
}

// Points this executable's import of CreateNamedPipeW at the spy.
bool install_spy() {
  auto* base = reinterpret_cast<unsigned char*>(GetModuleHandleW(nullptr));
  auto* dos = reinterpret_cast<IMAGE_DOS_HEADER*>(base);
  auto* nt = reinterpret_cast<IMAGE_NT_HEADERS*>(base + dos->e_lfanew);
  const auto& dir = nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_IMPORT];
  auto* import = reinterpret_cast<IMAGE_IMPORT_DESCRIPTOR*>(base + dir.VirtualAddress);
  for (; import->Name != 0; ++import) {
    auto* names = reinterpret_cast<IMAGE_THUNK_DATA*>(base + import->OriginalFirstThunk);
    auto* slots = reinterpret_cast<IMAGE_THUNK_DATA*>(base + import->FirstThunk);
    for (; names->u1.AddressOfData != 0; ++names, ++slots) {
      if (IMAGE_SNAP_BY_ORDINAL(names->u1.Ordinal)) continue;
      auto* by_name = reinterpret_cast<IMAGE_IMPORT_BY_NAME*>(base + names->u1.AddressOfData);
      if (std::strcmp(reinterpret_cast<const char*>(by_name->Name), "CreateNamedPipeW") != 0) {
        continue;
      }
      DWORD old = 0;
      if (!VirtualProtect(&slots->u1.Function, sizeof(void*), PAGE_READWRITE, &old)) return false;
      g_real = reinterpret_cast<decltype(&CreateNamedPipeW)>(slots->u1.Function);
      slots->u1.Function = reinterpret_cast<ULONG_PTR>(&spy_create_named_pipe);
      VirtualProtect(&slots->u1.Function, sizeof(void*), old, &old);
      return true;
    }
  }
  return false;
}

// The calls made for `name` so far, in order.
std::vector<CreateCall> calls_for(const std::string& name) {
  static const bool installed = install_spy();
  REQUIRE(installed);
  std::vector<CreateCall> result;
  std::lock_guard lock(g_mutex);
  for (const auto& c : g_calls) {
    if (c.name == wide(name)) result.push_back(c);
  }
  return result;
}

bool claims(const CreateCall& call) {
  return (call.open_mode & FILE_FLAG_FIRST_PIPE_INSTANCE) != 0;
}
bool rejects_remote(const CreateCall& call) {
  return (call.pipe_mode & PIPE_REJECT_REMOTE_CLIENTS) != 0;
}

// The DACL the pipe object got, as SDDL.
std::wstring pipe_dacl(void* pipe) {
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (GetSecurityInfo(pipe, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr,
                      nullptr, nullptr, &sd) != ERROR_SUCCESS) {
    return L"?";
  }
  auto result = dacl_string(sd);
  LocalFree(sd);
  return result;
}

std::string narrow(const std::wstring& w) { return {w.begin(), w.end()}; }

}  // namespace

TEST_CASE("create_server claims its name and refuses remote clients by default") {
  (void)calls_for("");  // installs the spy before the first pipe
  auto name = unique_name();
  auto server = make_server(name);
  auto calls = calls_for(name);
  REQUIRE(calls.size() == 1);
  CHECK(claims(calls[0]));
  CHECK(rejects_remote(calls[0]));
  CHECK(!calls[0].has_attributes);

  // A second server of the name with the same defaults is a squatter: Windows refuses it.
  std::error_code ec;
  auto squatter = NamedPipe::create_server(name, {}, ec);
  calls = calls_for(name);
  REQUIRE(calls.size() == 2);
  CHECK(claims(calls[1]));
  if (under_wine()) {
    MESSAGE("Wine ignores FILE_FLAG_FIRST_PIPE_INSTANCE: only checked that it is passed");
  } else {
    CHECK(ec == std::errc::permission_denied);
    CHECK(!squatter.is_open());
  }

  // Opting out adds an instance to one's own pipe; remote clients are let in only when
  // asked for.
  NamedPipeOptions join;
  join.first_instance = false;
  auto second = make_server(name, join);
  NamedPipeOptions remote;
  remote.reject_remote_clients = false;
  auto other = unique_name();
  auto open = make_server(other, remote);
  calls = calls_for(name);
  REQUIRE(calls.size() == 3);
  CHECK(!claims(calls[2]));
  CHECK(rejects_remote(calls[2]));
  auto other_calls = calls_for(other);
  REQUIRE(other_calls.size() == 1);
  CHECK(claims(other_calls[0]));
  CHECK(!rejects_remote(other_calls[0]));
}

TEST_CASE("a listener claims the name with its first instance only") {
  (void)calls_for("");
  auto poll = test::init_with_poll();
  Events events(16);
  auto name = unique_name();
  std::error_code ec;
  auto listener = NamedPipeListener::create(name, {}, 3, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  REQUIRE(!poll.registry().add(listener, Token(0), Interest::readable));
  auto calls = calls_for(name);
  REQUIRE(calls.size() == 3);
  CHECK(claims(calls[0]));
  for (const auto& c : calls) CHECK(rejects_remote(c));
  CHECK(!claims(calls[1]));
  CHECK(!claims(calls[2]));

  // A client takes an instance; its replacement joins the listener's pipe.
  auto client = make_client(name);
  test::expect_events(poll, events, {{Token(0), test::kReadable}});
  auto served = listener.accept(ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  calls = calls_for(name);
  REQUIRE(calls.size() >= 4);
  for (std::size_t i = 1; i < calls.size(); ++i) CHECK(!claims(calls[i]));

  // Another listener of the name is a squatter.
  const auto before = calls.size();
  auto squatter = NamedPipeListener::create(name, {}, 1, ec);
  calls = calls_for(name);
  REQUIRE(calls.size() == before + 1);
  CHECK(claims(calls.back()));
  if (!under_wine()) CHECK(ec == std::errc::permission_denied);
}

TEST_CASE("an SDDL security descriptor reaches every instance and the pipe object") {
  (void)calls_for("");
  auto poll = test::init_with_poll();
  Events events(16);
  const std::wstring everyone = L"D:(A;;GA;;;WD)";
  NamedPipeOptions options;
  options.security_descriptor = narrow(everyone);

  auto name = unique_name();
  auto server = make_server(name, options);
  auto calls = calls_for(name);
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].has_attributes);
  CHECK(calls[0].dacl == everyone);
  CHECK(pipe_dacl(server.handle()) == everyone);
  // A permissive descriptor lets the client in.
  add(poll, server, Token(0));
  auto client = make_client(name);
  add(poll, client, Token(1));
  REQUIRE(!server.connect());
  write_all(poll, events, client, "hello");
  CHECK(read_some(poll, events, server, 5, 64) == "hello");

  auto listened = unique_name();
  std::error_code ec;
  auto listener = NamedPipeListener::create(listened, options, 2, ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  REQUIRE(!poll.registry().add(listener, Token(2), Interest::readable));
  auto peer = make_client(listened);
  test::expect_events(poll, events, {{Token(2), test::kReadable}});
  auto accepted = listener.accept(ec);
  REQUIRE_MESSAGE(!ec, ec.message());
  CHECK(pipe_dacl(accepted.handle()) == everyone);
  calls = calls_for(listened);
  REQUIRE(calls.size() >= 3);  // two at add, one replacing the accepted instance
  for (const auto& c : calls) {
    CHECK(c.has_attributes);
    CHECK(c.dacl == everyone);
  }
}

TEST_CASE("a descriptor that denies everyone keeps clients out") {
  for (const std::wstring sddl : {L"D:(D;;GA;;;WD)", L"D:"}) {
    CAPTURE(narrow(sddl));
    NamedPipeOptions options;
    options.security_descriptor = narrow(sddl);
    auto name = unique_name();
    auto server = make_server(name, options);
    CHECK(pipe_dacl(server.handle()) == sddl);
    std::error_code ec;
    auto client = NamedPipe::open_client(name, {}, ec);
    if (under_wine()) {
      // Seen with Wine 8: the open succeeds; the DACL is stored but not enforced.
      MESSAGE("Wine does not enforce a pipe's DACL: only checked that it is applied");
    } else {
      CHECK(ec == std::errc::permission_denied);
    }
  }
}

TEST_CASE("an SDDL string Windows cannot parse is refused, and nothing is created") {
  (void)calls_for("");
  const std::string nul_inside("D:(A;;GA;;;WD)\0x", 16);
  for (const std::string& sddl : {std::string("garbage("), std::string("D:(X;;GA;;;WD)"),
                                  std::string("D:(A;;GA;;;NOT-A-SID)"), nul_inside,
                                  std::string("D:\xff")}) {
    CAPTURE(sddl);
    NamedPipeOptions options;
    options.security_descriptor = sddl;
    auto name = unique_name();
    std::error_code ec;
    auto server = NamedPipe::create_server(name, options, ec);
    CHECK(ec == std::errc::invalid_argument);
    CHECK(!server.is_open());
    auto listener = NamedPipeListener::create(name, options, 2, ec);
    CHECK(ec == std::errc::invalid_argument);
    CHECK(calls_for(name).empty());
    auto client = NamedPipe::open_client(name, {}, ec);
    CHECK(ec == std::errc::no_such_file_or_directory);
  }
}
