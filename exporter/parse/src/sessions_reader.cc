// /JobSessions and /Jobs/{id}/JobSessions elements (every version): the hot
// path, about 100 tokens a session. What each member becomes is stated
// below; object_reader.h runs the member loop.
#include <string_view>

#include "document.h"
#include "parse/parser.h"

namespace vb365 {
namespace parse_internal {
namespace {

// A session, and what the reader needs until its end: the job's href (used
// when there is no jobId, i.e. before v8).
struct SessionBuilder : JobSession {
  // User-provided (not "= default"), so that the base and these members are
  // initialized one by one: a defaulted constructor clears all 152 bytes at
  // once, which gcc does with "rep stos", about 10% of the walk.
  SessionBuilder() {}  // NOLINT(modernize-use-equals-default)
  std::string_view job_href;
  bool has_job_id = false;
};

constexpr auto kStatistics = Object<SessionStatistics>(
    "statistics",
    Field("processingRateBytesPS",
          IntOr<&SessionStatistics::processing_rate_bytes_ps>()),
    Field("processingRateItemsPS",
          IntOr<&SessionStatistics::processing_rate_items_ps>()),
    Field("processedObjects", IntOr<&SessionStatistics::processed_objects>()),
    Field("readRateBytesPS", IntOr<&SessionStatistics::read_rate_bytes_ps>()),
    Field("writeRateBytesPS", IntOr<&SessionStatistics::write_rate_bytes_ps>()),
    Field("transferredDataBytes",
          IntOr<&SessionStatistics::transferred_data_bytes>()),
    // Null: the server has no bottleneck to report (kNA).
    Field("bottleneck",
          As(
              kExpectedString, VB365_READ_INTO(SessionStatistics) {
                const Read r = w.Enum(ParseBottleneck, Bottleneck::kUnknown,
                                      &out->bottleneck);
                if (r == Read::kNull) out->bottleneck = Bottleneck::kNA;
                return r != Read::kBad;
              })));

// {"href": "..."}: raw (escapes intact); decoded only when it must be.
constexpr auto kJobLink = Object<SessionBuilder>(
    "_links.job",
    Field("href", As(
                      kExpectedString, VB365_READ_INTO(SessionBuilder) {
                        return w.RawString(&out->job_href) || w.Null();
                      })));

// _links: only job.href is needed (the job id before v8).
constexpr auto kLinks = Object<SessionBuilder>(
    "_links",
    Field("job", As(
                     kExpectedObject, VB365_READ_INTO(SessionBuilder) {
                       if (w.Peek() == '{') {
                         return ReadObject<kJobLink>(w, out, f);
                       }
                       return w.Null();
                     })));

constexpr auto kSession = Object<SessionBuilder>(
    nullptr,
    Required("id", As(
                       kExpectedString,
                       VB365_READ_INTO(SessionBuilder) {
                         return w.IdValue(&out->id);
                       })),
    Required("creationTime", As(
                                 kExpectedTimestamp,
                                 VB365_READ_INTO(SessionBuilder) {
                                   return w.Time(&out->creation_time) ==
                                          Read::kValue;
                                 })),
    Required("status", As(
                           kExpectedString,
                           VB365_READ_INTO(SessionBuilder) {
                             return w.Enum(ParseSessionStatus,
                                           SessionStatus::kUnknown,
                                           &out->status) == Read::kValue;
                           })),
    Field("endTime", TimeOrNone<&JobSession::end_time>()),
    Field("progress", IntOr<&JobSession::progress>()),
    Field("statistics", ObjectOrNull<kStatistics, &JobSession::statistics,
                                     &JobSession::has_statistics>()),
    // Null: the version does not count retries (-1).
    Field("retryCount",
          As(
              kExpectedInteger,
              VB365_READ_INTO(SessionBuilder) {
                int64_t n = 0;
                const Read r = w.Int(&n);
                if (r == Read::kBad || n < INT32_MIN || n > INT32_MAX)
                  return false;
                out->retry_count =
                    r == Read::kValue ? static_cast<int32_t>(n) : -1;
                return true;
              })),
    // Free text we do not keep: checked for type, not unescaped.
    Field("details", As(
                         kExpectedString,
                         VB365_READ_INTO(SessionBuilder) {
                           std::string_view text;
                           return w.RawString(&text) || w.Null();
                         })),
    Field("jobId", As(
                       kExpectedString,
                       VB365_READ_INTO(SessionBuilder) {
                         if (!w.IdValue(&out->job_id)) return w.Null();
                         out->has_job_id = true;
                         return true;
                       })),
    Field("_links", As(
                        kExpectedObject, VB365_READ_INTO(SessionBuilder) {
                          if (w.Peek() == '{')
                            return ReadObject<kLinks>(w, out, f);
                          return w.Null();
                        })));

struct SessionReader {
  using Value = JobSession;
  using Builder = SessionBuilder;
  VB365_ALWAYS_INLINE static bool ReadElement(Walker& w, SessionBuilder* b,
                                              Fail* f) {
    if (!ReadObject<kSession>(w, b, f)) return false;
    // The job id is jobId (v8) or else the href's last path segment.
    if (!b->has_job_id && !b->job_href.empty() &&
        !w.IdFromHref(b->job_href, &b->job_id)) {
      return TypeFail(f, "_links.job", "href", "invalid escape");
    }
    return true;
  }
};

}  // namespace
}  // namespace parse_internal

Result<PageInfo> Parser::ParseSessions(const PaddedBody& body,
                                       std::vector<JobSession>* out) {
  return impl_->Collection<parse_internal::SessionReader>(body, out);
}

}  // namespace vb365
