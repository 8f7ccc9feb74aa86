// /Jobs and /CopyJobs elements (an array before v8, a page on v8).
#include <optional>
#include <string_view>

#include "document.h"
#include "parse/parser.h"

namespace vb365 {
namespace parse_internal {
namespace {

constexpr auto kJob = Object<Job>(
    nullptr,
    // The id as sent (a label value) and its 128-bit key.
    Required("id", As(
                       kExpectedString,
                       VB365_READ_INTO(Job) {
                         std::string_view text;
                         if (w.String(&text) != Read::kValue) return false;
                         out->id.assign(text.data(), text.size());
                         out->key = ParseId(text);
                         return true;
                       })),
    Field("name", StringOrEmpty<&Job::name>()),
    Field("backupType", StringOrEmpty<&Job::backup_type>()),
    Field("repositoryId", StringOrEmpty<&Job::repository_id>()),
    // Copy jobs (/CopyJobs): the backup job they copy.
    Field("backupJobId", StringOrEmpty<&Job::backup_job_id>()),
    Field("organizationId", StringOrEmpty<&Job::organization_id>()),
    Field("isEnabled", As(
                           kExpectedBool,
                           VB365_READ_INTO(Job) {
                             bool b = false;
                             const Read r = w.Bool(&b);
                             if (r == Read::kBad) return false;
                             out->is_enabled = r == Read::kValue
                                                   ? std::optional<bool>(b)
                                                   : std::nullopt;
                             return true;
                           })),
    Field("lastRun", TimeOrNone<&Job::last_run>()),
    Field("nextRun", TimeOrNone<&Job::next_run>()),
    Field("lastBackup", TimeOrNone<&Job::last_backup>()),
    Field("lastStatus", As(
                            kExpectedString,
                            VB365_READ_INTO(Job) {
                              std::string_view text;
                              const Read r = w.String(&text);
                              if (r == Read::kBad) return false;
                              out->last_status =
                                  r == Read::kValue
                                      ? std::optional<SessionStatus>(
                                            ParseSessionStatus(text))
                                      : std::nullopt;
                              return true;
                            })),
    // Free text we do not keep: checked (escapes too), not stored.
    Field("description", As(
                             kExpectedString, VB365_READ_INTO(Job) {
                               std::string_view text;
                               return w.String(&text) != Read::kBad;
                             })));

struct JobReader {
  using Value = Job;
  using Builder = Job;
  static bool ReadElement(Walker& w, Job* j, Fail* f) {
    return ReadObject<kJob>(w, j, f);
  }
};

}  // namespace
}  // namespace parse_internal

Result<PageInfo> Parser::ParseJobs(const PaddedBody& body,
                                   std::vector<Job>* out) {
  return impl_->Collection<parse_internal::JobReader>(body, out);
}

}  // namespace vb365
