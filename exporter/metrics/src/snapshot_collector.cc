#include "metrics/snapshot_collector.h"

#include <prometheus/client_metric.h>
#include <prometheus/text_serializer.h>
#include <zlib.h>

#include <algorithm>
#include <functional>
#include <new>
#include <ostream>
#include <stdexcept>
#include <streambuf>
#include <string_view>
#include <utility>

namespace vb365 {

const std::vector<SessionStatus> kFinishedStatusSet = {
    SessionStatus::kSuccess,       SessionStatus::kWarning,
    SessionStatus::kFailed,        SessionStatus::kStopped,
    SessionStatus::kNotConfigured, SessionStatus::kDisconnected,
    SessionStatus::kUnknown};

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

constexpr const char kCached[] = " (from the last background refresh)";

// One family under construction.
class Fam {
 public:
  Fam(const Fam&) = delete;
  Fam& operator=(const Fam&) = delete;
  Fam(const char* name, const std::string& help, MetricType type)
      : one_(1), f_(one_.front()) {
    // f_ refers into one_: a Fam is never copied or moved.
    f_.name = name;
    f_.help = help + kCached;
    f_.type = type;
  }
  // By reference: a disabled family must not pay for a copy of the labels.
  void Add(const Labels& labels, double value) {
    if (enabled_) Add(Labels(labels), value);
  }
  void Add(Labels&& labels, double value) {
    if (!enabled_) return;
    ClientMetric m;
    m.label = std::move(labels);
    if (f_.type == MetricType::Counter) {
      m.counter.value = value;
    } else {
      m.gauge.value = value;
    }
    f_.metric.push_back(std::move(m));
  }
  // Labels plus one more.
  void Add(const Labels& labels, const char* name, std::string_view value,
           double v) {
    if (!enabled_) return;
    Labels l = labels;
    l.push_back({name, std::string(value)});
    Add(std::move(l), v);
  }
  MetricFamily Take() { return std::move(f_); }
  // The family as the one element TextSerializer takes (no copy).
  const std::vector<MetricFamily>& as_vector() const { return one_; }
  bool empty() const { return f_.metric.empty(); }
  // A disabled family ignores Add (RenderText builds one family at a time).
  void set_enabled(bool enabled) { enabled_ = enabled; }
  bool enabled() const { return enabled_; }
  void ClearMetrics() { f_.metric.clear(); }

 private:
  std::vector<MetricFamily> one_;
  MetricFamily& f_;  // one_[0]
  bool enabled_ = true;
};

constexpr MetricType kGauge = MetricType::Gauge;
constexpr MetricType kCounter = MetricType::Counter;

struct Families {
  // Per server.
  Fam up{"vb365_up",
         "1 when the last refresh logged in and read the job list, else 0",
         kGauge};
  Fam refresh_duration{"vb365_refresh_duration_seconds",
                       "Wall time of the last refresh of this server", kGauge};
  Fam last_success{"vb365_refresh_last_success_timestamp_seconds",
                   "Unix time the last successful refresh of this server "
                   "ended",
                   kGauge};
  Fam server_info{"vb365_server_info",
                  "VB365 product version and REST API version in use; "
                  "always 1",
                  kGauge};
  Fam jobs{"vb365_jobs", "Number of jobs exported (after the job filters)",
           kGauge};
  // Per job.
  Fam job_info{"vb365_job_info", "Descriptive labels of a backup job; always 1",
               kGauge};
  Fam job_enabled{"vb365_job_enabled", "1 when the job is enabled, else 0",
                  kGauge};
  Fam last_run{"vb365_job_last_run_timestamp_seconds",
               "Unix time of the job's last run as reported by the API",
               kGauge};
  Fam next_run{"vb365_job_next_run_timestamp_seconds",
               "Unix time of the job's next scheduled run", kGauge};
  Fam last_backup{"vb365_job_last_backup_timestamp_seconds",
                  "Unix time of the job's last successful backup (lastBackup "
                  "on API v7+, else the end of the latest Success session)",
                  kGauge};
  Fam running{"vb365_job_running",
              "1 when a session of the job is Running or Queued, else 0",
              kGauge};
  Fam running_start{"vb365_job_running_session_start_timestamp_seconds",
                    "Unix creation time of the running session", kGauge};
  Fam running_progress{"vb365_job_running_session_progress",
                       "Objects processed so far by the running session",
                       kGauge};
  Fam ls_status{"vb365_job_last_session_status",
                "Status of the last finished session (state set: exactly one "
                "is 1)",
                kGauge};
  Fam ls_start{"vb365_job_last_session_start_timestamp_seconds",
               "Unix creation time of the last finished session", kGauge};
  Fam ls_end{"vb365_job_last_session_end_timestamp_seconds",
             "Unix end time of the last finished session", kGauge};
  Fam ls_duration{"vb365_job_last_session_duration_seconds",
                  "Duration of the last finished session", kGauge};
  Fam ls_bytes{"vb365_job_last_session_transferred_bytes",
               "Bytes transferred by the last finished session", kGauge};
  Fam ls_objects{"vb365_job_last_session_processed_objects",
                 "Objects processed by the last finished session", kGauge};
  Fam ls_rate_bytes{"vb365_job_last_session_processing_rate_bytes_per_second",
                    "Processing rate of the last finished session in bytes "
                    "per second",
                    kGauge};
  Fam ls_rate_items{"vb365_job_last_session_processing_rate_items_per_second",
                    "Processing rate of the last finished session in items "
                    "per second",
                    kGauge};
  Fam ls_read{"vb365_job_last_session_read_rate_bytes_per_second",
              "Read rate of the last finished session in bytes per second",
              kGauge};
  Fam ls_write{"vb365_job_last_session_write_rate_bytes_per_second",
               "Write rate of the last finished session in bytes per second",
               kGauge};
  Fam ls_bottleneck{"vb365_job_last_session_bottleneck",
                    "Bottleneck of the last finished session (state set: "
                    "exactly one is 1)",
                    kGauge};
  Fam ls_retry{"vb365_job_last_session_retries",
               "Retries of the last finished session (retryCount, API v6+)",
               kGauge};
  Fam last_status{"vb365_job_last_status_timestamp_seconds",
                  "Unix end time of the latest session that finished with "
                  "this status; 0 when none was seen",
                  kGauge};
  Fam sessions_total{"vb365_job_sessions_total",
                     "Sessions that finished while the exporter watched, by "
                     "status (the first refresh is the baseline)",
                     kCounter};
  Fam bytes_total{"vb365_job_transferred_bytes_total",
                  "Bytes transferred by sessions that finished while the "
                  "exporter watched",
                  kCounter};
  Fam objects_total{"vb365_job_processed_objects_total",
                    "Objects processed by sessions that finished while the "
                    "exporter watched",
                    kCounter};

  // Every family, in output order.
  std::vector<Fam*> All() {
    return {&up,
            &refresh_duration,
            &last_success,
            &server_info,
            &jobs,
            &job_info,
            &job_enabled,
            &last_run,
            &next_run,
            &last_backup,
            &running,
            &running_start,
            &running_progress,
            &ls_status,
            &ls_start,
            &ls_end,
            &ls_duration,
            &ls_bytes,
            &ls_objects,
            &ls_rate_bytes,
            &ls_rate_items,
            &ls_read,
            &ls_write,
            &ls_bottleneck,
            &ls_retry,
            &last_status,
            &sessions_total,
            &bytes_total,
            &objects_total};
  }

  std::vector<MetricFamily> Take() {
    std::vector<MetricFamily> out;
    for (Fam* f : All()) {
      if (!f->empty()) out.push_back(f->Take());
    }
    return out;
  }
};

double Seconds(Timestamp t) { return TimestampSeconds(t); }

Labels JobLabels(const std::string& server, const Job& job) {
  return {{"server", server}, {"job_id", job.id}, {"job_name", job.name}};
}

// base: JobLabels(server, s.job).
void RenderJob(const Labels& base, const JobSummary& s, Families* f) {
  const Job& job = s.job;

  if (f->job_info.enabled()) {
    Labels l = base;
    l.push_back({"backup_type", job.backup_type});
    l.push_back({"repository_id", job.repository_id});
    l.push_back({"organization_id", job.organization_id});
    f->job_info.Add(std::move(l), 1);
  }
  if (job.is_enabled.has_value()) {
    f->job_enabled.Add(base, *job.is_enabled ? 1 : 0);
  }
  if (job.last_run != kNoTime) f->last_run.Add(base, Seconds(job.last_run));
  if (job.next_run != kNoTime) f->next_run.Add(base, Seconds(job.next_run));
  // lastBackup where the API sends it, else the end of the latest Success.
  const Timestamp last_success_end = s.last_status_end[0];
  if (job.last_backup != kNoTime) {
    f->last_backup.Add(base, Seconds(job.last_backup));
  } else if (last_success_end != kNoTime) {
    f->last_backup.Add(base, Seconds(last_success_end));
  }

  f->running.Add(base, s.running ? 1 : 0);
  if (s.running) {
    if (s.running_start != kNoTime) {
      f->running_start.Add(base, Seconds(s.running_start));
    }
    f->running_progress.Add(base, static_cast<double>(s.running_progress));
  }

  if (s.has_last_finished) {
    const JobSession& ls = s.last_finished;
    for (SessionStatus st : kFinishedStatusSet) {
      if (!f->ls_status.enabled()) break;
      // Any status outside the set (cannot be Running/Queued: finished)
      // falls into Unknown so exactly one series is 1.
      const bool in_set = ls.status != SessionStatus::kRunning &&
                          ls.status != SessionStatus::kQueued;
      const SessionStatus shown = in_set ? ls.status : SessionStatus::kUnknown;
      f->ls_status.Add(base, "status", SessionStatusName(st),
                       shown == st ? 1 : 0);
    }
    if (ls.creation_time != kNoTime) {
      f->ls_start.Add(base, Seconds(ls.creation_time));
    }
    f->ls_end.Add(base, Seconds(ls.end_time));
    if (ls.creation_time != kNoTime && ls.end_time >= ls.creation_time) {
      // Integer ticks first: the difference is exact.
      f->ls_duration.Add(base, Seconds(ls.end_time - ls.creation_time));
    }
    if (ls.has_statistics) {
      const SessionStatistics& st = ls.statistics;
      f->ls_bytes.Add(base, static_cast<double>(st.transferred_data_bytes));
      f->ls_objects.Add(base, static_cast<double>(st.processed_objects));
      f->ls_rate_bytes.Add(base,
                           static_cast<double>(st.processing_rate_bytes_ps));
      f->ls_rate_items.Add(base,
                           static_cast<double>(st.processing_rate_items_ps));
      f->ls_read.Add(base, static_cast<double>(st.read_rate_bytes_ps));
      f->ls_write.Add(base, static_cast<double>(st.write_rate_bytes_ps));
      for (int b = 0; b < kBottleneckCount && f->ls_bottleneck.enabled(); ++b) {
        const auto value = static_cast<Bottleneck>(b);
        f->ls_bottleneck.Add(base, "bottleneck", BottleneckName(value),
                             st.bottleneck == value ? 1 : 0);
      }
    }
    if (ls.retry_count >= 0) {
      f->ls_retry.Add(base, static_cast<double>(ls.retry_count));
    }
  }

  for (size_t i = 0; i < kTrackedEndStatuses.size() && f->last_status.enabled();
       ++i) {
    const Timestamp end = s.last_status_end[i];
    f->last_status.Add(base, "status",
                       SessionStatusName(kTrackedEndStatuses[i]),
                       end == kNoTime ? 0 : Seconds(end));
  }

  for (SessionStatus st : kFinishedStatusSet) {
    if (!f->sessions_total.enabled()) break;
    f->sessions_total.Add(
        base, "status", SessionStatusName(st),
        static_cast<double>(s.sessions_total[static_cast<size_t>(st)]));
  }
  f->bytes_total.Add(base, static_cast<double>(s.transferred_bytes_total));
  f->objects_total.Add(base, static_cast<double>(s.processed_objects_total));
}

void RenderServer(const ServerSnapshot& snap, Families* f) {
  const Labels server = {{"server", snap.server}};
  f->up.Add(server, snap.up ? 1 : 0);
  f->refresh_duration.Add(server, snap.refresh_duration_seconds);
  if (snap.last_success != kNoTime) {
    f->last_success.Add(server, Seconds(snap.last_success));
  }
  if (!snap.api_version.empty()) {
    f->server_info.Add({{"server", snap.server},
                        {"version", snap.product_version},
                        {"api_version", snap.api_version}},
                       1);
  }
  f->jobs.Add(server, static_cast<double>(snap.jobs.size()));
}

// An output stream appending to one std::string: no second copy of the text
// (std::ostringstream::str() copies it) and growth the caller can reserve.
class StringBuf : public std::streambuf {
 public:
  explicit StringBuf(std::string* out) : out_(out) {}

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_->append(s, static_cast<size_t>(n));
    return n;
  }
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      out_->push_back(traits_type::to_char_type(c));
    }
    return traits_type::not_eof(c);
  }

 private:
  std::string* out_;
};

class StringStream : public std::ostream {
 public:
  explicit StringStream(std::string* out) : std::ostream(nullptr), buf_(out) {
    rdbuf(&buf_);
  }

 private:
  StringBuf buf_;
};

// Jobs rendered into one MetricFamily before it is serialized and freed: the
// intermediate ClientMetrics stay small (about 0.5 MB) at any page size.
constexpr size_t kJobsPerChunk = 128;

using Sink = std::function<void(std::string_view)>;

// Serializes fam's metrics (the # HELP / # TYPE lines only when `first`)
// into *chunk, hands that to `sink` and clears both.
void Flush(Fam* fam, bool* first, std::string* chunk, const Sink& sink) {
  if (fam->empty()) return;
  chunk->clear();
  StringStream stream(chunk);
  prometheus::TextSerializer().Serialize(stream, fam->as_vector());
  stream.flush();
  size_t start = 0;
  if (!*first) {
    // A later chunk of the same family: drop its two header lines so the
    // family appears once.
    for (int line = 0; line < 2 && start < chunk->size(); ++line) {
      if ((*chunk)[start] != '#') break;
      start = chunk->find('\n', start);
      start = start == std::string::npos ? chunk->size() : start + 1;
    }
  }
  sink(std::string_view(*chunk).substr(start));
  *first = false;
  fam->ClearMetrics();
}

// A raw deflate stream (RFC 1951, no header) written piece by piece, with
// the CRC-32 and length of what went in.
class Deflater {
 public:
  Deflater() {
    // Raw (-15), default level, 8: zlib's default memory use.
    if (deflateInit2(&z_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
      throw std::bad_alloc();
    }
  }
  ~Deflater() { deflateEnd(&z_); }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // flush: Z_NO_FLUSH (more follows), Z_SYNC_FLUSH (ends byte-aligned,
  // not final: more may be appended by anyone) or Z_FINISH (final block).
  void Write(std::string_view in, int flush) {
    crc_ = static_cast<uint32_t>(
        crc32(crc_, reinterpret_cast<const Bytef*>(in.data()),
              static_cast<uInt>(in.size())));
    size_ += in.size();
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    Bytef buf[16384];
    do {  // until deflate leaves room in the output: all input taken
      z_.next_out = buf;
      z_.avail_out = sizeof(buf);
      deflate(&z_, flush);
      out_.append(reinterpret_cast<const char*>(buf),
                  sizeof(buf) - z_.avail_out);
    } while (z_.avail_out == 0);
  }
  std::string& out() { return out_; }
  uint32_t crc() const { return crc_; }
  size_t size() const { return size_; }

 private:
  z_stream z_{};
  std::string out_;
  uint32_t crc_ = static_cast<uint32_t>(crc32(0, nullptr, 0));
  size_t size_ = 0;
};

// Raw deflate of `in` on a fresh stream, ending with `flush`.
std::string Deflate(std::string_view in, int flush) {
  Deflater d;
  d.Write(in, flush);
  return std::move(d.out());
}

uint32_t Crc32(std::string_view in) {
  return static_cast<uint32_t>(crc32(crc32(0, nullptr, 0),
                                     reinterpret_cast<const Bytef*>(in.data()),
                                     static_cast<uInt>(in.size())));
}

void PutLe32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

}  // namespace

std::vector<MetricFamily> RenderSnapshots(
    const std::vector<std::shared_ptr<const ServerSnapshot>>& snapshots) {
  Families f;
  for (const auto& snap : snapshots) {
    if (!snap) continue;
    RenderServer(*snap, &f);
    for (const JobSummary& job : snap->jobs) {
      RenderJob(JobLabels(snap->server, job.job), job, &f);
    }
  }
  return f.Take();
}

namespace {

// The page of AppendSnapshotsText, handed to `sink` a chunk at a time.
void RenderText(
    const std::vector<std::shared_ptr<const ServerSnapshot>>& snapshots,
    const Sink& sink) {
  Families f;
  std::vector<Fam*> all = f.All();
  // The label prefix of every job, built once for all the passes.
  std::vector<std::vector<Labels>> bases;
  bases.reserve(snapshots.size());
  for (const auto& snap : snapshots) {
    bases.emplace_back();
    if (!snap) continue;
    bases.back().reserve(snap->jobs.size());
    for (const JobSummary& job : snap->jobs) {
      bases.back().push_back(JobLabels(snap->server, job.job));
    }
  }
  std::string chunk;
  for (Fam* fam : all) fam->set_enabled(false);
  // One family at a time, every server's series in it (a family appears
  // once per page), serialized in chunks of jobs.
  for (Fam* fam : all) {
    fam->set_enabled(true);
    bool first = true;
    for (size_t i = 0; i < snapshots.size(); ++i) {
      const auto& snap = snapshots[i];
      if (!snap) continue;
      RenderServer(*snap, &f);
      for (size_t j = 0; j < snap->jobs.size(); ++j) {
        RenderJob(bases[i][j], snap->jobs[j], &f);
        if ((j + 1) % kJobsPerChunk == 0) Flush(fam, &first, &chunk, sink);
      }
    }
    Flush(fam, &first, &chunk, sink);
    fam->set_enabled(false);
  }
}

}  // namespace

void AppendSnapshotsText(
    const std::vector<std::shared_ptr<const ServerSnapshot>>& snapshots,
    std::string* out) {
  RenderText(snapshots, [out](std::string_view piece) { out->append(piece); });
}

void SnapshotCollector::Publish(
    std::shared_ptr<const ServerSnapshot> snapshot) {
  if (!snapshot) return;
  std::vector<std::shared_ptr<const ServerSnapshot>> copy;
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string key = snapshot->server;
    snapshots_[key] = std::move(snapshot);
    generation = ++generation_;
    copy.reserve(snapshots_.size());
    for (const auto& [name, snap] : snapshots_) copy.push_back(snap);
  }
  // Rendered outside the lock (CPU only: no network, no refresh; scrapes
  // meanwhile get the previous page) and compressed as it is rendered: only
  // the deflate stream is kept (0.8 MB for the 6.3 MB page of 1,000 jobs).
  // A gzip'd scrape splices it in as it is (ExpositionGzip); any other
  // scrape inflates it (Text()).
  Deflater deflater;
  RenderText(copy, [&deflater](std::string_view piece) {
    deflater.Write(piece, Z_NO_FLUSH);
  });
  deflater.Write("", Z_FINISH);
  auto page = std::make_shared<Page>();
  page->deflated = std::move(deflater.out());
  page->deflated.shrink_to_fit();
  page->crc32 = deflater.crc();
  page->size = deflater.size();
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Two servers publishing at once: the render of the newer set wins.
    if (generation > text_generation_) {
      page_ = std::move(page);
      text_generation_ = generation;
    }
  }
}

std::shared_ptr<const ServerSnapshot> SnapshotCollector::Get(
    const std::string& server) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = snapshots_.find(server);
  return it == snapshots_.end() ? nullptr : it->second;
}

std::shared_ptr<const SnapshotCollector::Page> SnapshotCollector::CachedPage()
    const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (page_) return page_;
  }
  // Before the first Publish has rendered: an empty page.
  auto empty = std::make_shared<Page>();
  empty->deflated = Deflate("", Z_FINISH);
  return empty;
}

void SnapshotCollector::AppendText(std::string* out) const {
  const std::shared_ptr<const Page> page = CachedPage();
  const size_t start = out->size();
  out->resize(start + page->size);
  z_stream z{};
  bool ok = inflateInit2(&z, -15) == Z_OK;
  if (ok) {
    z.next_in =
        reinterpret_cast<Bytef*>(const_cast<char*>(page->deflated.data()));
    z.avail_in = static_cast<uInt>(page->deflated.size());
    z.next_out = reinterpret_cast<Bytef*>(out->data() + start);
    z.avail_out = static_cast<uInt>(page->size);
    ok = inflate(&z, Z_FINISH) == Z_STREAM_END && z.avail_out == 0;
    inflateEnd(&z);
  }
  // Our own stream, inflated into its known size: failing is a bug (or
  // out of memory), never input.
  if (!ok) throw std::runtime_error("cached metrics page does not inflate");
}

std::shared_ptr<const std::string> SnapshotCollector::Text() const {
  auto text = std::make_shared<std::string>();
  AppendText(text.get());
  return text;
}

std::vector<std::shared_ptr<const ServerSnapshot>>
SnapshotCollector::Snapshots() const {
  std::vector<std::shared_ptr<const ServerSnapshot>> copy;
  std::lock_guard<std::mutex> lock(mu_);
  copy.reserve(snapshots_.size());
  for (const auto& [name, snap] : snapshots_) copy.push_back(snap);
  return copy;
}

std::vector<MetricFamily> SnapshotCollector::Collect() const {
  return RenderSnapshots(Snapshots());
}

namespace {

// The text exposition of `collectables` in order. A SnapshotCollector's part
// is its cached page, or (fresh) rendered afresh by the code Publish runs.
std::string CollectablesText(
    const std::vector<const prometheus::Collectable*>& collectables,
    bool fresh) {
  std::string out;
  StringStream stream(&out);
  for (const prometheus::Collectable* c : collectables) {
    if (c == nullptr) continue;
    if (const auto* snaps = dynamic_cast<const SnapshotCollector*>(c)) {
      if (fresh) {
        AppendSnapshotsText(snaps->Snapshots(), &out);
      } else {
        snaps->AppendText(&out);
      }
    } else {
      prometheus::TextSerializer().Serialize(stream, c->Collect());
      stream.flush();
    }
  }
  return out;
}

}  // namespace

std::string SerializeText(
    const std::vector<const prometheus::Collectable*>& collectables) {
  return CollectablesText(collectables, /*fresh=*/true);
}

std::string ExpositionText(
    const std::vector<const prometheus::Collectable*>& collectables) {
  return CollectablesText(collectables, /*fresh=*/false);
}

std::string ExpositionGzip(
    const std::vector<const prometheus::Collectable*>& collectables) {
  // The gzip header: deflate, no name, no mtime, unknown OS.
  static constexpr char kHeader[] = {'\x1f', '\x8b', 8, 0, 0,
                                     0,      0,      0, 0, '\xff'};
  std::string out(kHeader, sizeof(kHeader));
  const prometheus::Collectable* last =
      collectables.empty() ? nullptr : collectables.back();
  const auto* snaps = dynamic_cast<const SnapshotCollector*>(last);
  std::vector<const prometheus::Collectable*> rest(collectables.begin(),
                                                   collectables.end());
  if (snaps != nullptr) rest.pop_back();
  for (const prometheus::Collectable* c : rest) {
    if (dynamic_cast<const SnapshotCollector*>(c) != nullptr) {
      snaps = nullptr;  // not the layout the splice supports
      break;
    }
  }
  if (snaps == nullptr) {
    const std::string text = ExpositionText(collectables);
    out += Deflate(text, Z_FINISH);
    PutLe32(Crc32(text), &out);
    PutLe32(static_cast<uint32_t>(text.size()), &out);
    return out;
  }
  const std::string head = SerializeText(rest);
  const std::shared_ptr<const SnapshotCollector::Page> page =
      snaps->CachedPage();
  out.reserve(out.size() + head.size() / 4 + page->deflated.size() + 64);
  // The head's blocks end byte-aligned and are not final, and the page's
  // stream never refers back before its own start: the two concatenated
  // are one valid deflate stream of head + text.
  out += Deflate(head, Z_SYNC_FLUSH);
  out += page->deflated;
  PutLe32(static_cast<uint32_t>(crc32_combine(
              Crc32(head), page->crc32, static_cast<z_off_t>(page->size))),
          &out);
  PutLe32(static_cast<uint32_t>(head.size() + page->size), &out);
  return out;
}

}  // namespace vb365
