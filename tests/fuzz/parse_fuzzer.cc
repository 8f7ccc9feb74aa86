// Fuzz target for parse/Parser, every entry point: any bytes must give a
// value or an Error (kMalformed, with a message), never a crash, an overread
// (the copy below has exactly kParsePadding bytes of padding, so ASan sees a
// read past it) or a partial append; what parses once parses again to the
// same values with a fresh parser and other padding bytes.
#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

#include "fuzz_check.h"
#include "parse/parser.h"

namespace {

using vb365::ErrorCode;

// The input as a PaddedBody: exactly size + kParsePadding bytes, the padding
// filled with `fill` (the parser must not depend on its contents).
vb365::PaddedBody Padded(const uint8_t* data, size_t size, char fill) {
  return vb365::PaddedBody(
      std::string_view(reinterpret_cast<const char*>(data), size), fill);
}

auto Fields(const vb365::JobSession& s) {
  const vb365::SessionStatistics& st = s.statistics;
  return std::tie(s.id, s.job_id, s.creation_time, s.end_time, s.progress,
                  s.status, s.has_statistics, st.processing_rate_bytes_ps,
                  st.processing_rate_items_ps, st.read_rate_bytes_ps,
                  st.write_rate_bytes_ps, st.transferred_data_bytes,
                  st.processed_objects, st.bottleneck, s.retry_count);
}
auto Fields(const vb365::Job& j) {
  return std::tie(j.id, j.key, j.name, j.backup_type, j.repository_id,
                  j.organization_id, j.is_enabled, j.last_run, j.next_run,
                  j.last_backup, j.last_status);
}
auto Fields(const vb365::PageInfo& p) {
  return std::tie(p.is_page, p.offset, p.limit, p.count, p.has_next);
}
auto Fields(const vb365::TokenResponse& t) {
  return std::tie(t.access_token, t.refresh_token, t.expires_in_seconds);
}
auto Fields(const vb365::ServiceInstance& s) { return std::tie(s.version); }

template <typename T>
bool Same(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Fields(a[i]) != Fields(b[i])) return false;
  }
  return true;
}

// On failure nothing is appended; on success exactly count elements are, and
// a second parse (fresh parser, other padding) gives the same page and
// elements.
template <typename T, typename Fn>
std::optional<vb365::PageInfo> CheckAppend(Fn parse, std::vector<T>* out) {
  const size_t before = out->size();
  auto r = parse(out);
  if (!r.ok()) {
    VB365_FUZZ_CHECK(out->size() == before);
    vb365::fuzz::CheckError(r, ErrorCode::kMalformed);
    return std::nullopt;
  }
  VB365_FUZZ_CHECK(static_cast<size_t>(r->count) == out->size() - before);
  return *r;
}

// The DOM cross-check: whatever the parser accepts is JSON for simdjson's DOM
// parser too. The parser does not decode strings it skips, nor convert
// numbers it skips, so DOM may reject those where the parser does not.
void CheckJson(const char* in, size_t size) {
  static simdjson::dom::parser dom;
  simdjson::dom::element doc;
  const simdjson::error_code e =
      dom.parse(reinterpret_cast<const uint8_t*>(in), size, false).get(doc);
  if (e != simdjson::SUCCESS && e != simdjson::STRING_ERROR &&
      e != simdjson::NUMBER_ERROR && e != simdjson::NUMBER_OUT_OF_RANGE &&
      e != simdjson::DEPTH_ERROR) {
    std::fprintf(stderr, "simdjson: %s\n", simdjson::error_message(e));
    vb365::fuzz::Fail(__FILE__, __LINE__,
                      "the parser accepted a document simdjson rejects");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const vb365::PaddedBody in =
      Padded(data, size, size > 0 ? static_cast<char>(data[size - 1]) : '[');

  static vb365::Parser parser;  // reused across inputs, as in the exporter
  std::vector<vb365::JobSession> sessions(1);
  const auto sessions_page = CheckAppend<vb365::JobSession>(
      [&](auto* out) { return parser.ParseSessions(in, out); }, &sessions);
  std::vector<vb365::Job> jobs(1);
  const auto jobs_page = CheckAppend<vb365::Job>(
      [&](auto* out) { return parser.ParseJobs(in, out); }, &jobs);
  const auto token = parser.ParseToken(in);
  vb365::fuzz::CheckError(token, ErrorCode::kMalformed);
  const auto service = parser.ParseServiceInstance(in);
  vb365::fuzz::CheckError(service, ErrorCode::kMalformed);
  if (!sessions_page && !jobs_page && !token.ok() && !service.ok()) return 0;
  CheckJson(in.data(), size);

  // Again, with a parser that has seen nothing and zeros as padding.
  const vb365::PaddedBody again = Padded(data, size, '\0');
  vb365::Parser fresh;
  if (sessions_page) {
    std::vector<vb365::JobSession> second(1);
    const auto r = fresh.ParseSessions(again, &second);
    VB365_FUZZ_CHECK(r.ok() && Fields(*r) == Fields(*sessions_page) &&
                     Same(sessions, second));
  }
  if (jobs_page) {
    std::vector<vb365::Job> second(1);
    const auto r = fresh.ParseJobs(again, &second);
    VB365_FUZZ_CHECK(r.ok() && Fields(*r) == Fields(*jobs_page) &&
                     Same(jobs, second));
  }
  if (token.ok()) {
    const auto r = fresh.ParseToken(again);
    VB365_FUZZ_CHECK(r.ok() && Fields(*r) == Fields(*token));
  }
  if (service.ok()) {
    const auto r = fresh.ParseServiceInstance(again);
    VB365_FUZZ_CHECK(r.ok() && Fields(*r) == Fields(*service));
  }
  return 0;
}
