#include "datagen.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace vb365::sim {
namespace {

// splitmix64: tiny, fast and identical everywhere (std distributions are not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi] (inclusive); modulo bias is irrelevant here.
  int64_t Range(int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    return lo +
           static_cast<int64_t>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }
  int Percent() { return static_cast<int>(Next() % 100); }

 private:
  uint64_t state_;
};

uint64_t Mix(uint64_t a, uint64_t b) {
  Rng r(a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL));
  return r.Next();
}

// Days since 1970-01-01 from a civil date (proleptic Gregorian), and back.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

Ticks Truncate(Ticks t, int digits) {
  static const Ticks kUnit[8] = {10'000'000, 1'000'000, 100'000, 10'000,
                                 1'000,      100,       10,      1};
  const Ticks u = kUnit[std::clamp(digits, 0, 7)];
  Ticks r = t % u;
  if (r < 0) r += u;
  return t - r;
}

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  out->append(buf, static_cast<size_t>(n));
}

void AppendTime(Ticks t, int digits, std::string* out) {
  out->push_back('"');
  out->append(FormatTicks(t, digits));
  out->push_back('"');
}

// Names a real tenant could give: spaces, quotes, backslashes, non-ASCII.
const char* const kJobNames[] = {
    "Exchange Online - Daily",
    "SharePoint \"Projects\" Sites",
    "OneDrive C:\\Users\\Backup",
    "Teams Zürich Büro",
    "Archive (disabled)",
    "Mailboxes: Sales & Marketing",
    "東京オフィス Exchange",
    "Entire Org 'HQ'",
    "Finance \\\\fileserver\\share",
    "Équipe Montréal – OneDrive",
    "Legal hold \"litigation\" mailboxes",
    "Public folders <legacy>",
    "Søren's test job",
    "Backup\tTabbed",
    "Москва SharePoint",
    "Teams + Groups",
};
constexpr int kJobNameCount = sizeof kJobNames / sizeof kJobNames[0];

const char* const kPeople[] = {
    "Jürgen Müller", "Zoë O'Neil",  "José \"Pepe\" García", "李雷",
    "Åsa Öberg",     "svc\\backup", "Renée Dubois",         "Ōta Hiroshi"};
constexpr int kPeopleCount = sizeof kPeople / sizeof kPeople[0];

const Ticks kIntervals[] = {15 * 60 * kTicksPerSecond,
                            30 * 60 * kTicksPerSecond, 3600 * kTicksPerSecond,
                            4 * 3600 * kTicksPerSecond,
                            24 * 3600 * kTicksPerSecond};
const char* const kIntervalNames[] = {"Minutes15", "Minutes30", "Hours1",
                                      "Hours4", "Daily"};

std::string Fmt2(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string Details(const Session& s, Rng& rng) {
  const char* who = kPeople[rng.Range(0, kPeopleCount - 1)];
  const double mb =
      static_cast<double>(s.statistics.transferred_data_bytes) / 1048576.0;
  if (s.status == "Success") {
    return "Processed " + std::to_string(s.statistics.processed_objects) +
           " objects (" + Fmt2(mb) + " MB) without errors";
  }
  if (s.status == "Warning") {
    return std::string("Item \"") + who +
           "\\Inbox\\Größe > 150 MB.msg\" was skipped: message too large; " +
           std::to_string(rng.Range(1, 9)) + " warnings";
  }
  if (s.status == "Failed") {
    return std::string("Failed to process mailbox \"") + who +
           "\": The remote server returned an error: (503) Server "
           "Unavailable.\r\nRetry scheduled.";
  }
  if (s.status == "Stopped") {
    return std::string("Job was stopped by user EAST\\") + "admin";
  }
  if (s.status == "Running") {
    return "Processing mailbox \"" + std::string(who) + "\" (" +
           std::to_string(s.progress) + " items so far)";
  }
  return "Repository index is being updated";
}

void FillStatistics(Session* s, Ticks duration, Rng& rng) {
  Statistics& st = s->statistics;
  st.processed_objects = rng.Range(0, 5000);
  if (s->status == "Failed") st.processed_objects /= 10;
  st.transferred_data_bytes =
      st.processed_objects * rng.Range(8 * 1024, 512 * 1024);
  const int64_t secs = std::max<int64_t>(1, duration / kTicksPerSecond);
  st.processing_rate_bytes_ps = st.transferred_data_bytes / secs;
  st.processing_rate_items_ps = st.processed_objects / secs;
  st.read_rate_bytes_ps = st.processing_rate_bytes_ps * rng.Range(2, 6);
  st.write_rate_bytes_ps = st.processing_rate_bytes_ps * rng.Range(5, 20);
  static const char* const kBottlenecks[] = {"NA", "Detecting", "Source",
                                             "Source", "Target"};
  st.bottleneck = kBottlenecks[rng.Range(0, 4)];
  s->progress = static_cast<int32_t>(st.processed_objects);
}

const char* RandomStatus(Rng& rng) {
  const int p = rng.Percent();
  if (p < 80) return "Success";
  if (p < 88) return "Warning";
  if (p < 94) return "Failed";
  if (p < 98) return "Stopped";
  return "Success";
}

bool Retriable(const std::string& status) {
  return status == "Failed" || status == "Warning";
}

Job GenerateJob(const GenOptions& o, int index) {
  Rng rng(Mix(o.seed, 0x10000 + static_cast<uint64_t>(index)));
  Job job;
  job.id =
      DeterministicUuid(o.seed, 0x1000000ULL + static_cast<uint64_t>(index));
  job.name = kJobNames[index % kJobNameCount];
  if (index >= kJobNameCount)
    job.name += " #" + std::to_string(index / kJobNameCount + 1);
  const int interval_kind = static_cast<int>(rng.Range(0, 4));
  job.interval = kIntervals[interval_kind];
  job.description = std::string("Generated job ") + std::to_string(index) +
                    ", runs " + kIntervalNames[interval_kind];
  job.backup_type = rng.Percent() < 70 ? "EntireOrganization" : "SelectedItems";
  job.repository_id = DeterministicUuid(
      o.seed, 0x2000000ULL + static_cast<uint64_t>(index % 3));
  job.organization_id = DeterministicUuid(
      o.seed, 0x3000000ULL + static_cast<uint64_t>(index % 2));
  job.is_enabled = index != 4;
  job.etag = rng.Range(1, 40);

  const int m = std::max(0, o.sessions_per_job);
  std::vector<std::string> status(static_cast<size_t>(m));
  std::vector<bool> retry(static_cast<size_t>(m), false);
  for (int k = 0; k < m; ++k) {
    status[k] = RandomStatus(rng);
    retry[k] = k > 0 && Retriable(status[k - 1]) && rng.Percent() < 50;
  }
  if (m > 0) {
    switch (index) {
      case 0:
        status[m - 1] = "Success";
        break;
      case 1:
        status[m - 1] = "Failed";
        break;
      case 2:
        status[m - 1] = "Warning";
        break;
      case 3:
        status[m - 1] = "Running";
        retry[m - 1] = false;
        if (m >= 2) status[m - 2] = "Success";
        if (m >= 4) {
          status[0] = "Updating";
          status[1] = "Failed";
          status[2] = "Success";
          retry[2] = true;
        }
        break;
      default:
        break;
    }
  }
  for (int k = 0; k < m; ++k) {
    if (retry[k] && (k == 0 || !Retriable(status[k - 1]))) retry[k] = false;
  }

  const std::string proxies[2] = {DeterministicUuid(o.seed, 0x4000000ULL),
                                  DeterministicUuid(o.seed, 0x4000001ULL)};
  const Ticks interval = job.interval;
  job.sessions.resize(static_cast<size_t>(m));
  for (int k = 0; k < m; ++k) {
    Session& s = job.sessions[k];
    s.id = DeterministicUuid(o.seed, (static_cast<uint64_t>(index) << 32) |
                                         static_cast<uint64_t>(k));
    s.job_id = job.id;
    s.status = status[k];
    s.repository_id = job.repository_id;
    s.proxy_id = proxies[rng.Range(0, 1)];
    s.etag = rng.Range(1, 9);
    const int p = rng.Percent();
    s.fraction_digits = p < 70 ? 7 : (p < 90 ? 6 : 0);
    s.config_type = k % 20 == 0 ? "Full" : "Incremental";
    const Ticks slot = o.anchor - static_cast<Ticks>(m - k) * interval;
    Ticks duration =
        rng.Range(30 * kTicksPerSecond,
                  std::min<Ticks>(interval / 2, 7200 * kTicksPerSecond));
    if (retry[k]) {
      const Session& prev = job.sessions[k - 1];
      s.creation_time =
          prev.end_time + std::min<Ticks>(interval / 10, 300 * kTicksPerSecond);
      duration = std::min(duration, interval / 5);
      s.retry_count = prev.retry_count + 1;
      s.main_session_id =
          prev.main_session_id.empty() ? prev.id : prev.main_session_id;
      job.sessions[k - 1].job_will_be_retried = true;
    } else {
      s.creation_time = slot + rng.Range(0, interval / 10);
    }
    if (s.status == "Running") {
      s.creation_time = o.anchor - 600 * kTicksPerSecond;
      if (k > 0) {
        s.creation_time =
            std::max(s.creation_time,
                     job.sessions[k - 1].end_time + 60 * kTicksPerSecond);
      }
      duration = 600 * kTicksPerSecond;
    }
    s.creation_time = Truncate(s.creation_time, s.fraction_digits);
    FillStatistics(&s, duration, rng);
    if (s.status == "Running") {
      s.end_time = kNotFinished;
    } else {
      s.end_time = Truncate(s.creation_time + duration, s.fraction_digits);
    }
    s.details = Details(s, rng);
  }
  // Serve in a seeded shuffled order: the API promises no order.
  for (int k = m - 1; k > 0; --k) {
    std::swap(job.sessions[k], job.sessions[rng.Range(0, k)]);
  }
  return job;
}

}  // namespace

std::string DeterministicUuid(uint64_t seed, uint64_t salt) {
  const uint64_t hi = Mix(seed ^ 0xA5A5A5A5ULL, salt);
  const uint64_t lo = Mix(hi, salt ^ 0x5A5A5A5A5A5AULL);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx",
                static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF),
                static_cast<unsigned>(hi & 0xFFF),
                static_cast<unsigned>(0x8000 | ((lo >> 48) & 0x3FFF)),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

std::string FormatTicks(Ticks t, int digits) {
  int64_t secs = t / kTicksPerSecond;
  int64_t frac = t % kTicksPerSecond;
  if (frac < 0) {
    frac += kTicksPerSecond;
    secs -= 1;
  }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  int64_t y;
  unsigned mo, d;
  CivilFromDays(days, &y, &mo, &d);
  char buf[48];
  int n = std::snprintf(
      buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d",
      static_cast<long long>(y), mo, d, static_cast<int>(rem / 3600),
      static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  std::string out(buf, static_cast<size_t>(n));
  digits = std::clamp(digits, 0, 7);
  if (digits > 0) {
    char f[16];
    std::snprintf(f, sizeof f, "%07lld", static_cast<long long>(frac));
    out.push_back('.');
    out.append(f, static_cast<size_t>(digits));
  }
  out.push_back('Z');
  return out;
}

std::optional<Ticks> ParseTicks(std::string_view s) {
  auto num = [&](size_t pos, size_t len, int64_t* v) {
    if (pos + len > s.size()) return false;
    int64_t r = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      r = r * 10 + (s[i] - '0');
    }
    *v = r;
    return true;
  };
  int64_t y, mo, d, h, mi, se;
  if (s.size() < 19 || !num(0, 4, &y) || s[4] != '-' || !num(5, 2, &mo) ||
      s[7] != '-' || !num(8, 2, &d) || (s[10] != 'T' && s[10] != ' ') ||
      !num(11, 2, &h) || s[13] != ':' || !num(14, 2, &mi) || s[16] != ':' ||
      !num(17, 2, &se)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) {
    return std::nullopt;
  }
  size_t i = 19;
  int64_t frac = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (digits >= 7) return std::nullopt;
      frac = frac * 10 + (s[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0) return std::nullopt;
    for (int k = digits; k < 7; ++k) frac *= 10;
  }
  int64_t offset = 0;
  if (i < s.size()) {
    if (s[i] == 'Z' || s[i] == 'z') {
      ++i;
    } else if (s[i] == '+' || s[i] == '-') {
      int64_t oh, om;
      if (!num(i + 1, 2, &oh) || i + 3 >= s.size() || s[i + 3] != ':' ||
          !num(i + 4, 2, &om)) {
        return std::nullopt;
      }
      offset = (oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
      i += 6;
    }
  }
  if (i != s.size()) return std::nullopt;
  const int64_t days =
      DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - offset;
  return secs * kTicksPerSecond + frac;
}

DataSet Generate(const GenOptions& options) {
  DataSet data;
  data.jobs.reserve(static_cast<size_t>(std::max(0, options.jobs)));
  for (int i = 0; i < options.jobs; ++i) {
    data.jobs.push_back(GenerateJob(options, i));
  }
  return data;
}

std::vector<Job> GenerateCopyJobs(const GenOptions& options, int copy_jobs) {
  // Each copy job is a backup job of a separate seed space (so its sessions
  // get ids of their own) generated from a template index: 1 ends Failed, 0
  // ends Success, 3 runs now, 6.. random.
  GenOptions o = options;
  o.seed = options.seed ^ 0xC0B1C0B1C0B1ULL;
  std::vector<Job> out;
  for (int j = 0; j < copy_jobs; ++j) {
    const int templ = j == 0 ? 1 : j == 1 ? 0 : j == 2 ? 3 : j + 3;
    Job job = GenerateJob(o, templ);
    const int backup = options.jobs > 0 ? j % options.jobs : j;
    job.id = DeterministicUuid(options.seed,
                               0x5000000ULL + static_cast<uint64_t>(j));
    job.backup_job_id = DeterministicUuid(
        options.seed, 0x1000000ULL + static_cast<uint64_t>(backup));
    job.name = std::string("Copy of ") + kJobNames[backup % kJobNameCount];
    if (j >= kJobNameCount) job.name += " #" + std::to_string(j + 1);
    job.description = "Backup copy job " + std::to_string(j);
    job.repository_id = DeterministicUuid(options.seed, 0x2000000ULL + 2);
    job.organization_id = DeterministicUuid(
        options.seed, 0x3000000ULL + static_cast<uint64_t>(backup % 2));
    job.is_enabled = true;
    for (Session& s : job.sessions) {
      s.job_id = job.id;
      s.job_type = "Copy";
      s.repository_id = job.repository_id;
    }
    out.push_back(std::move(job));
  }
  return out;
}

JobSummary Summarize(const Job& job) {
  JobSummary r;
  const Session* newest = nullptr;
  const Session* newest_good = nullptr;
  for (const Session& s : job.sessions) {
    if (!newest || s.creation_time > newest->creation_time) newest = &s;
    if ((s.status == "Success" || s.status == "Warning") && s.finished() &&
        (!newest_good || s.creation_time > newest_good->creation_time)) {
      newest_good = &s;
    }
  }
  if (newest) {
    r.last_run = newest->creation_time;
    r.last_status = newest->status;
    if (job.is_enabled && job.interval > 0) {
      r.next_run = Truncate(newest->creation_time, 0) + job.interval;
    }
  }
  if (newest_good) r.last_backup = newest_good->end_time;
  return r;
}

Expected ExpectedFor(const std::vector<Session>& sessions) {
  Expected e;
  const Session* last = nullptr;
  for (const Session& s : sessions) {
    ++e.sessions;
    e.transferred_data_bytes += s.statistics.transferred_data_bytes;
    e.processed_objects += s.statistics.processed_objects;
    ++e.count_by_status[s.status];
    if (s.end_time == kNotFinished) ++e.running;
    if (s.finished() && (!last || s.creation_time > last->creation_time)) {
      last = &s;
    }
  }
  if (last) {
    e.last_finished_status = last->status;
    e.last_finished_end = last->end_time;
  }
  return e;
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out->append(buf);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

namespace {

void AppendLink(std::string_view name, const std::string& href, bool first,
                std::string* out) {
  if (!first) out->push_back(',');
  out->push_back('"');
  out->append(name);
  out->append("\":{\"href\":");
  AppendJsonString(href, out);
  out->push_back('}');
}

std::string Prefix(const WriteOptions& w) {
  std::string p = w.version.absolute_links() ? w.base_url : std::string();
  p += "/v" + std::to_string(w.version.number);
  return p;
}

}  // namespace

void AppendSessionJson(const Session& s, const WriteOptions& w,
                       std::string* out) {
  const int v = w.version.number;
  const Mutation mu = w.mutation;
  const bool numbers_as_strings = mu == Mutation::kNumbersAsStrings;
  const bool nulls = mu == Mutation::kNulls;
  const bool missing = mu == Mutation::kMissingFields;
  const bool unknown_enums = mu == Mutation::kUnknownEnums;
  auto number = [&](const char* key, int64_t value, bool first = false) {
    if (!first) out->push_back(',');
    out->push_back('"');
    out->append(key);
    out->append("\":");
    if (nulls) {
      out->append("null");
    } else if (numbers_as_strings) {
      out->push_back('"');
      AppendInt(value, out);
      out->push_back('"');
    } else {
      AppendInt(value, out);
    }
  };
  out->append("{\"id\":");
  AppendJsonString(s.id, out);
  if (v >= 8) {
    out->append(",\"jobId\":");
    AppendJsonString(s.job_id, out);
  }
  if (v >= 7) {
    out->append(",\"repositoryId\":");
    AppendJsonString(s.repository_id, out);
    if (!s.main_session_id.empty()) {
      out->append(",\"mainSessionId\":");
      AppendJsonString(s.main_session_id, out);
    }
  }
  if (v >= 6) {
    out->append(",\"details\":");
    AppendJsonString(s.details, out);
  }
  if (!missing) {
    out->append(",\"creationTime\":");
    if (nulls) {
      out->append("null");
    } else {
      AppendTime(s.creation_time, s.fraction_digits, out);
    }
    out->append(",\"endTime\":");
    if (s.end_time != kNotFinished) {
      AppendTime(s.end_time, s.fraction_digits, out);
    } else if (w.version.year1_placeholder()) {
      out->append("\"0001-01-01T00:00:00\"");
    } else {
      out->append("null");
    }
  }
  if (v >= 6) number("retryCount", s.retry_count);
  if (v >= 7) {
    out->append(",\"jobWillBeRetried\":");
    out->append(s.job_will_be_retried ? "true" : "false");
  }
  if (!missing) number("progress", s.progress);
  if (v >= 7) {
    out->append(",\"jobType\":");
    AppendJsonString(s.job_type, out);
  }
  if (v >= 8) {
    out->append(",\"jobSessionConfigType\":");
    AppendJsonString(s.config_type, out);
  }
  if (!missing) {
    out->append(",\"status\":");
    if (nulls) {
      out->append("null");
    } else if (unknown_enums && s.end_time != kNotFinished) {
      AppendJsonString("Postponed", out);
    } else {
      AppendJsonString(s.status, out);
    }
    const Statistics& st = s.statistics;
    out->append(",\"statistics\":{");
    number("processingRateBytesPS", st.processing_rate_bytes_ps, true);
    number("processingRateItemsPS", st.processing_rate_items_ps);
    number("readRateBytesPS", st.read_rate_bytes_ps);
    number("writeRateBytesPS", st.write_rate_bytes_ps);
    number("transferredDataBytes", st.transferred_data_bytes);
    number("processedObjects", st.processed_objects);
    out->append(",\"bottleneck\":");
    if (nulls) {
      out->append("null");
    } else if (unknown_enums) {
      AppendJsonString("Network", out);
    } else {
      AppendJsonString(st.bottleneck, out);
    }
    out->push_back('}');
  }
  if (v >= 8) {
    out->append(",\"eTag\":");
    AppendInt(s.etag, out);
  }
  const std::string p = Prefix(w);
  const bool lower = w.version.absolute_links();
  out->append(",\"_links\":{");
  const std::string self =
      p + (lower ? "/jobsessions/" : "/JobSessions/") + s.id;
  AppendLink("self", self, true, out);
  AppendLink("log", self + (lower ? "/log" : "/LogItems"), false, out);
  const bool copy = s.job_type == "Copy";
  AppendLink("job",
             p +
                 (copy ? (lower ? "/copyjobs/" : "/CopyJobs/")
                       : (lower ? "/jobs/" : "/Jobs/")) +
                 s.job_id,
             false, out);
  out->push_back('}');
  if (v >= 8) {
    out->append(",\"proxyId\":");
    AppendJsonString(s.proxy_id, out);
    out->append(",\"proxyPoolId\":null");
  }
  out->push_back('}');
}

void AppendJobJson(const Job& job, const WriteOptions& w, std::string* out) {
  const int v = w.version.number;
  const JobSummary sum = Summarize(job);
  auto time_or_null = [&](const char* key, Ticks t, int digits = 7) {
    out->append(",\"");
    out->append(key);
    out->append("\":");
    if (t == kNotFinished) {
      out->append("null");
    } else {
      AppendTime(t, digits, out);
    }
  };
  out->append("{\"id\":");
  AppendJsonString(job.id, out);
  out->append(",\"name\":");
  AppendJsonString(job.name, out);
  out->append(",\"description\":");
  AppendJsonString(job.description, out);
  out->append(",\"backupType\":");
  AppendJsonString(job.backup_type, out);
  out->append(",\"schedulePolicy\":{\"scheduleEnabled\":");
  out->append(job.is_enabled ? "true" : "false");
  if (job.interval >= 24 * 3600 * kTicksPerSecond) {
    out->append(
        ",\"type\":\"Daily\",\"dailyType\":\"Everyday\",\"dailyTime\":\"22:00:"
        "00\"");
  } else {
    const Ticks minutes = job.interval / (60 * kTicksPerSecond);
    std::string every = minutes < 60 ? "Minutes" + std::to_string(minutes)
                                     : "Hours" + std::to_string(minutes / 60);
    out->append(",\"type\":\"Periodically\",\"periodicallyEvery\":");
    AppendJsonString(every, out);
  }
  out->append(
      ",\"retryEnabled\":true,\"retryNumber\":3,\"retryWaitInterval\":5}");
  if (v >= 8) {
    out->append(",\"organizationId\":");
    AppendJsonString(job.organization_id, out);
  }
  out->append(",\"repositoryId\":");
  AppendJsonString(job.repository_id, out);
  time_or_null("lastRun", sum.last_run);
  time_or_null("nextRun", sum.next_run, 0);
  if (v >= 7) time_or_null("lastBackup", sum.last_backup);
  out->append(",\"isEnabled\":");
  out->append(job.is_enabled ? "true" : "false");
  out->append(",\"lastStatus\":");
  static const char* const kKnown[] = {
      "Stopped", "Running",       "Success",      "Failed",
      "Warning", "NotConfigured", "Disconnected", "Queued"};
  bool known = false;
  for (const char* k : kKnown) known = known || sum.last_status == k;
  if (known) {
    AppendJsonString(sum.last_status, out);
  } else {
    out->append("null");
  }
  if (v >= 8) {
    out->append(",\"eTag\":");
    AppendInt(job.etag, out);
  }
  const std::string p = Prefix(w);
  const bool lower = w.version.absolute_links();
  out->append(",\"_links\":{");
  AppendLink("self", p + (lower ? "/jobs/" : "/Jobs/") + job.id, true, out);
  AppendLink("backupRepository",
             p + (lower ? "/backuprepositories/" : "/BackupRepositories/") +
                 job.repository_id,
             false, out);
  if (v <= 6) {
    AppendLink("jobsessions",
               p + (lower ? "/jobs/" : "/Jobs/") + job.id +
                   (lower ? "/jobsessions" : "/JobSessions"),
               false, out);
  }
  out->append("}}");
}

std::string PageJson(int64_t offset, int64_t limit, std::string_view set_id,
                     std::string_view results_json, bool has_next,
                     std::string_view link_prefix, int64_t total_count) {
  std::string out;
  out.reserve(results_json.size() + 256 + 2 * link_prefix.size());
  out.append("{\"offset\":");
  AppendInt(offset, &out);
  out.append(",\"limit\":");
  AppendInt(limit, &out);
  out.append(",\"setId\":");
  AppendJsonString(set_id, &out);
  out.append(",\"results\":[");
  out.append(results_json);
  out.push_back(']');
  if (total_count >= 0) {
    out.append(",\"totalCount\":");
    AppendInt(total_count, &out);
  }
  out.append(",\"_links\":{\"self\":{\"href\":");
  std::string href(link_prefix);
  href +=
      "offset=" + std::to_string(offset) + "&limit=" + std::to_string(limit);
  AppendJsonString(href, &out);
  out.push_back('}');
  if (has_next) {
    out.append(",\"next\":{\"href\":");
    href.assign(link_prefix);
    href += "offset=" + std::to_string(offset + limit) +
            "&limit=" + std::to_string(limit);
    AppendJsonString(href, &out);
    out.push_back('}');
  }
  out.append("}}");
  return out;
}

std::string SessionsBody(const Job& job, const WriteOptions& w) {
  std::string results;
  results.reserve(job.sessions.size() * 800);
  for (size_t i = 0; i < job.sessions.size(); ++i) {
    if (i) results.push_back(',');
    WriteOptions wi = w;
    if (w.mutation != Mutation::kNone &&
        i % static_cast<size_t>(std::max(1, w.mutate_every)) != 0) {
      wi.mutation = Mutation::kNone;
    }
    AppendSessionJson(job.sessions[i], wi, &results);
  }
  if (!w.version.paged_sessions()) return "[" + results + "]";
  const int v = w.version.number;
  std::string prefix = "/v" + std::to_string(v);
  prefix += v >= 7 ? "/JobSessions?jobId=" + job.id + "&"
                   : "/Jobs/" + job.id + "/JobSessions?";
  const int64_t n = static_cast<int64_t>(job.sessions.size());
  return PageJson(0, std::max<int64_t>(n, 1), DeterministicUuid(n, 77), results,
                  false, prefix);
}

Session MakeSession(const Job& job, uint64_t seed, uint64_t salt,
                    const std::string& status, Ticks creation, Ticks end) {
  Rng rng(Mix(seed ^ 0xC0FFEEULL, salt));
  Session s;
  s.id = DeterministicUuid(seed ^ 0xC0FFEEULL, salt);
  s.job_id = job.id;
  s.status = status;
  s.repository_id = job.repository_id;
  s.proxy_id = DeterministicUuid(seed, 0x4000000ULL);
  s.etag = 1;
  s.fraction_digits = 7;
  s.creation_time = creation;
  s.end_time = end;
  const Ticks duration = end == kNotFinished
                             ? 60 * kTicksPerSecond
                             : std::max<Ticks>(end - creation, 1);
  FillStatistics(&s, duration, rng);
  s.details = Details(s, rng);
  return s;
}

GeneratedBody GenerateSessionsBody(uint64_t seed, int sessions, int version,
                                   Mutation mutation) {
  GenOptions o;
  o.seed = seed;
  o.jobs = 4;
  o.sessions_per_job = sessions;
  // Job 3 carries every kind of session (running, retry, Updating); it is
  // the same job Generate() would make at index 3.
  const Job job = GenerateJob(o, 3);
  GeneratedBody r;
  WriteOptions w;
  w.version.number = version;
  w.mutation = mutation;
  r.body = SessionsBody(job, w);
  r.expected = ExpectedFor(job.sessions);
  r.job_id = job.id;
  return r;
}

}  // namespace vb365::sim
