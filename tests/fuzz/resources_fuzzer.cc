// Fuzz target for the resource readers (parse/resources.h): any bytes must
// give a value or an Error with a message, never a crash, and a collection
// reader must append nothing on an error and exactly PageInfo.count elements
// on success (licensed users: count users counted).
//
// Built with libFuzzer under clang and, in every other build, with
// fuzz_main.cc over the fixtures (like parse_fuzzer).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "parse/resources.h"

namespace {

[[noreturn]] void Die(const char* why) {
  std::fprintf(stderr, "resources_fuzzer: %s\n", why);
  std::abort();
}

template <typename T>
void CheckError(const vb365::Result<T>& r) {
  if (!r.ok() && r.error().message().empty()) Die("empty error message");
}

template <typename T, typename Fn>
void CheckAppend(Fn read) {
  std::vector<T> out(1);
  vb365::Result<vb365::PageInfo> r = read(&out);
  CheckError(r);
  if (!r.ok() && out.size() != 1) Die("elements appended despite an error");
  if (r.ok() && static_cast<size_t>(r->count) != out.size() - 1) {
    Die("PageInfo.count does not match the elements appended");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vb365;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  CheckError(ReadLicense(in));
  CheckError(ReadHealth(in));
  CheckError(ReadSyncState(in));
  CheckError(ReadSyncStates(in));
  CheckAppend<Repository>(
      [&](std::vector<Repository>* out) { return ReadRepositories(in, out); });
  CheckAppend<Proxy>(
      [&](std::vector<Proxy>* out) { return ReadProxies(in, out); });
  CheckAppend<RestoreSession>([&](std::vector<RestoreSession>* out) {
    return ReadRestoreSessions(in, out);
  });
  CheckAppend<Organization>([&](std::vector<Organization>* out) {
    return ReadOrganizations(in, out);
  });
  std::map<std::string, UserCounts> counts;
  Result<PageInfo> users = ReadLicensedUsers(in, &counts);
  CheckError(users);
  int64_t total = 0;
  for (const auto& [org, c] : counts) {
    for (int64_t n : c.by_state) total += n;
  }
  if (!users.ok() && !counts.empty()) Die("users counted despite an error");
  if (users.ok() && total != users->count) Die("users counted != count");
  return 0;
}
