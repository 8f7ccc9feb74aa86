#include "metrics/process_metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <utility>

namespace vb365 {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

std::optional<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return std::nullopt;
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) return std::nullopt;
  return ss.str();
}

template <typename T>
bool ToNumber(std::string_view s, T* out) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// The next space-separated token of *s (advancing it); "" at the end.
std::string_view NextToken(std::string_view* s) {
  const size_t begin = s->find_first_not_of(" \t\n");
  if (begin == std::string_view::npos) {
    *s = {};
    return {};
  }
  size_t end = s->find_first_of(" \t\n", begin);
  if (end == std::string_view::npos) end = s->size();
  const std::string_view token = s->substr(begin, end - begin);
  s->remove_prefix(end);
  return token;
}

MetricFamily Family(const char* name, const char* help, MetricType type,
                    double value) {
  MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  ClientMetric m;
  if (type == MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(std::move(m));
  return f;
}

}  // namespace

std::optional<ProcStat> ParseProcStat(std::string_view text) {
  const size_t open = text.find('(');
  const size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos ||
      close < open) {
    return std::nullopt;
  }
  int64_t pid = 0;
  std::string_view head = text.substr(0, open);
  if (!ToNumber(NextToken(&head), &pid) || !NextToken(&head).empty()) {
    return std::nullopt;
  }
  // Fields 3.. follow the command name: field N is token N - 3.
  std::string_view rest = text.substr(close + 1);
  std::string_view tokens[22];
  for (std::string_view& t : tokens) {
    t = NextToken(&rest);
    if (t.empty()) return std::nullopt;
  }
  ProcStat out;
  if (!ToNumber(tokens[14 - 3], &out.utime_ticks) ||
      !ToNumber(tokens[15 - 3], &out.stime_ticks) ||
      !ToNumber(tokens[22 - 3], &out.starttime_ticks) ||
      !ToNumber(tokens[23 - 3], &out.vsize_bytes) ||
      !ToNumber(tokens[24 - 3], &out.rss_pages)) {
    return std::nullopt;
  }
  return out;
}

std::optional<uint64_t> ParseBootTime(std::string_view text) {
  while (!text.empty()) {
    size_t eol = text.find('\n');
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == text.size() ? eol : eol + 1);
    if (NextToken(&line) != "btime") continue;
    uint64_t v = 0;
    if (ToNumber(NextToken(&line), &v)) return v;
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<uint64_t> ParseMaxOpenFiles(std::string_view text) {
  constexpr std::string_view kKey = "Max open files";
  for (size_t p = text.find(kKey); p != std::string_view::npos;
       p = text.find(kKey, p + 1)) {
    if (p != 0 && text[p - 1] != '\n') continue;  // at a line start only
    std::string_view line = text.substr(p + kKey.size());
    line = line.substr(0, line.find('\n'));
    uint64_t v = 0;
    if (ToNumber(NextToken(&line), &v)) return v;  // the soft limit
    return std::nullopt;                           // "unlimited"
  }
  return std::nullopt;
}

ProcessCollector::ProcessCollector(std::string proc_dir, std::string proc_stat)
    : proc_dir_(std::move(proc_dir)),
      ticks_per_second_(sysconf(_SC_CLK_TCK)),
      page_size_(sysconf(_SC_PAGESIZE)) {
  if (std::optional<std::string> text = ReadSmallFile(proc_stat)) {
    boot_time_ = ParseBootTime(*text);
  }
}

std::optional<uint64_t> ProcessCollector::OpenFds() const {
  DIR* dir = opendir((proc_dir_ + "/fd").c_str());
  if (dir == nullptr) return std::nullopt;
  const std::string own = std::to_string(dirfd(dir));
  uint64_t n = 0;
  while (const dirent* e = readdir(dir)) {
    const std::string_view name = e->d_name;
    if (name == "." || name == ".." || name == own) continue;
    ++n;
  }
  closedir(dir);
  return n;
}

std::vector<MetricFamily> ProcessCollector::Collect() const {
  std::vector<MetricFamily> out;
  std::optional<ProcStat> stat;
  if (std::optional<std::string> text = ReadSmallFile(proc_dir_ + "/stat")) {
    stat = ParseProcStat(*text);
  }
  const double tps = ticks_per_second_ > 0 ? ticks_per_second_ : 100;
  if (stat) {
    out.push_back(Family(
        "process_cpu_seconds_total",
        "Total user and system CPU time spent in seconds.", MetricType::Counter,
        static_cast<double>(stat->utime_ticks + stat->stime_ticks) / tps));
  }
  if (std::optional<uint64_t> fds = OpenFds()) {
    out.push_back(Family("process_open_fds", "Number of open file descriptors.",
                         MetricType::Gauge, static_cast<double>(*fds)));
  }
  if (std::optional<std::string> text = ReadSmallFile(proc_dir_ + "/limits")) {
    if (std::optional<uint64_t> max = ParseMaxOpenFiles(*text)) {
      out.push_back(Family("process_max_fds",
                           "Maximum number of open file descriptors.",
                           MetricType::Gauge, static_cast<double>(*max)));
    }
  }
  if (stat) {
    out.push_back(Family("process_virtual_memory_bytes",
                         "Virtual memory size in bytes.", MetricType::Gauge,
                         static_cast<double>(stat->vsize_bytes)));
    out.push_back(Family("process_resident_memory_bytes",
                         "Resident memory size in bytes.", MetricType::Gauge,
                         static_cast<double>(stat->rss_pages) *
                             static_cast<double>(page_size_)));
    if (boot_time_) {
      out.push_back(
          Family("process_start_time_seconds",
                 "Start time of the process since unix epoch in seconds.",
                 MetricType::Gauge,
                 static_cast<double>(*boot_time_) +
                     static_cast<double>(stat->starttime_ticks) / tps));
    }
  }
  return out;
}

}  // namespace vb365
