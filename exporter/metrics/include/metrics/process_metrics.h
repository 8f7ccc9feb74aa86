// The standard process metrics every Prometheus client library exports
// (process_cpu_seconds_total, process_resident_memory_bytes, ...), read from
// /proc/self at scrape time: a few small reads, no state kept between
// scrapes. Linux only; a file that cannot be read leaves its series out.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vb365 {

// The fields of /proc/[pid]/stat the metrics use, as the kernel writes them.
struct ProcStat {
  uint64_t utime_ticks = 0;      // field 14, clock ticks
  uint64_t stime_ticks = 0;      // field 15
  uint64_t starttime_ticks = 0;  // field 22, clock ticks after boot
  uint64_t vsize_bytes = 0;      // field 23
  int64_t rss_pages = 0;         // field 24
};

// Parses the text of /proc/[pid]/stat. The command name (field 2) is in
// parentheses and may itself hold spaces and parentheses: the fields are
// counted from the last ')'. nullopt when the text is not such a line.
std::optional<ProcStat> ParseProcStat(std::string_view text);
// The "btime" (boot time, seconds since the epoch) of /proc/stat's text.
std::optional<uint64_t> ParseBootTime(std::string_view text);
// The soft limit of "Max open files" in /proc/[pid]/limits' text; nullopt
// when absent or "unlimited".
std::optional<uint64_t> ParseMaxOpenFiles(std::string_view text);

// The families, from /proc at each Collect(). Thread-safe (no state but
// the paths and the constants read at construction).
class ProcessCollector : public prometheus::Collectable {
 public:
  // proc_dir: the process's directory (stat, limits, fd/); proc_stat: the
  // system's stat file (btime). Other paths are for tests.
  explicit ProcessCollector(std::string proc_dir = "/proc/self",
                            std::string proc_stat = "/proc/stat");

  std::vector<prometheus::MetricFamily> Collect() const override;

  // Entries of proc_dir/fd, without the descriptor used to list them;
  // nullopt when it cannot be listed.
  std::optional<uint64_t> OpenFds() const;

 private:
  std::string proc_dir_;
  std::optional<uint64_t> boot_time_;  // read once: it does not change
  long ticks_per_second_;
  long page_size_;
};

}  // namespace vb365
