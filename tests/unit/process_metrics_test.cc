// The process metrics (process_metrics.h): /proc parsing on fixture text,
// the values computed from a fixture directory, and plausible values for
// this test process.
#include "metrics/process_metrics.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace vb365 {
namespace {

namespace fs = std::filesystem;

// A real line's shape (fields 1..52), with a command name holding spaces
// and parentheses: "(vb365 (x) exp)" ends at the last ')'.
constexpr char kStatLine[] =
    "4242 (vb365 (x) exp) S 1 4242 4242 0 -1 4194560 5120 0 3 0 "
    "1234 567 0 0 20 0 9 0 98765 123456789 4321 18446744073709551615 "
    "94000000000000 94000000100000 140720000000000 0 0 0 0 0 0 0 0 0 17 1 0 0 "
    "0 0 0 94000000200000 94000000300000 94000000400000 140720000100000 "
    "140720000200000 140720000200000 140720000300000 0\n";

constexpr char kLimits[] =
    "Limit                     Soft Limit           Hard Limit           "
    "Units     \n"
    "Max cpu time              unlimited            unlimited            "
    "seconds   \n"
    "Max open files            1024                 524288               "
    "files     \n"
    "Max locked memory         8388608              8388608              "
    "bytes     \n";

constexpr char kProcStat[] =
    "cpu  1 2 3 4 5 6 7 0 0 0\n"
    "intr 12345 0 0\n"
    "btime 1764600000\n"
    "processes 999\n";

std::map<std::string, prometheus::MetricFamily> ByName(
    const std::vector<prometheus::MetricFamily>& families) {
  std::map<std::string, prometheus::MetricFamily> out;
  for (const auto& f : families) out[f.name] = f;
  return out;
}

double Value(const prometheus::MetricFamily& f) {
  EXPECT_EQ(f.metric.size(), 1u);
  return f.type == prometheus::MetricType::Counter ? f.metric[0].counter.value
                                                   : f.metric[0].gauge.value;
}

TEST(ProcessMetricsParse, StatLineWithSpacesAndParenthesesInTheName) {
  std::optional<ProcStat> s = ParseProcStat(kStatLine);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->utime_ticks, 1234u);
  EXPECT_EQ(s->stime_ticks, 567u);
  EXPECT_EQ(s->starttime_ticks, 98765u);
  EXPECT_EQ(s->vsize_bytes, 123456789u);
  EXPECT_EQ(s->rss_pages, 4321);
  // Counting from the first ')' would shift every field.
  std::optional<ProcStat> plain = ParseProcStat(
      "7 (a) R 1 7 7 0 -1 0 0 0 0 0 11 22 0 0 20 0 1 0 33 44 55 0 0");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->utime_ticks, 11u);
  EXPECT_EQ(plain->rss_pages, 55);
}

TEST(ProcessMetricsParse, RejectsWhatIsNotAStatLine) {
  EXPECT_FALSE(ParseProcStat(""));
  EXPECT_FALSE(ParseProcStat("4242 vb365 S 1 2 3"));
  EXPECT_FALSE(ParseProcStat("4242 (vb365) S 1 4242"));  // too few fields
  EXPECT_FALSE(ParseProcStat(
      "4242 (a) R 1 7 7 0 -1 0 0 0 0 0 x 22 0 0 20 0 1 0 33 44 55"));
  EXPECT_FALSE(ParseProcStat(
      "pid (a) R 1 7 7 0 -1 0 0 0 0 0 11 22 0 0 20 0 1 0 33 44 55"));
}

TEST(ProcessMetricsParse, BootTimeAndTheSoftOpenFileLimit) {
  EXPECT_EQ(ParseBootTime(kProcStat), 1764600000u);
  EXPECT_FALSE(ParseBootTime("cpu 1 2 3\nintr 1\n"));
  EXPECT_FALSE(ParseBootTime("btime soon\n"));
  EXPECT_EQ(ParseMaxOpenFiles(kLimits), 1024u);
  EXPECT_FALSE(ParseMaxOpenFiles(
      "Limit Soft Hard Units\nMax open files unlimited unlimited files\n"));
  EXPECT_FALSE(ParseMaxOpenFiles("Max cpu time 1 1 seconds\n"));
}

// A fixture /proc/<pid> directory: every value is known.
class ProcessCollectorFixtureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vb365_proc_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::ofstream(dir_ + "/stat") << kStatLine;
    std::ofstream(dir_ + "/limits") << kLimits;
    std::ofstream(dir_ + "/system_stat") << kProcStat;
    fs::create_directory(dir_ + "/fd");
    for (const char* fd : {"0", "1", "2"}) std::ofstream(dir_ + "/fd/" + fd);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(ProcessCollectorFixtureTest, ValuesComeFromTheFilesInStandardUnits) {
  ProcessCollector c(dir_, dir_ + "/system_stat");
  auto f = ByName(c.Collect());
  ASSERT_EQ(f.size(), 6u);
  const double tps = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  EXPECT_DOUBLE_EQ(Value(f["process_cpu_seconds_total"]), (1234 + 567) / tps);
  EXPECT_DOUBLE_EQ(Value(f["process_virtual_memory_bytes"]), 123456789);
  EXPECT_DOUBLE_EQ(Value(f["process_resident_memory_bytes"]), 4321 * page);
  EXPECT_DOUBLE_EQ(Value(f["process_start_time_seconds"]),
                   1764600000 + 98765 / tps);
  EXPECT_DOUBLE_EQ(Value(f["process_max_fds"]), 1024);
  EXPECT_DOUBLE_EQ(Value(f["process_open_fds"]), 3);
  EXPECT_EQ(f["process_cpu_seconds_total"].type,
            prometheus::MetricType::Counter);
  for (const char* gauge :
       {"process_virtual_memory_bytes", "process_resident_memory_bytes",
        "process_start_time_seconds", "process_max_fds", "process_open_fds"}) {
    EXPECT_EQ(f[gauge].type, prometheus::MetricType::Gauge) << gauge;
  }
}

TEST_F(ProcessCollectorFixtureTest, AMissingFileLeavesOnlyItsSeriesOut) {
  fs::remove(dir_ + "/limits");
  ProcessCollector no_boot(dir_, dir_ + "/missing");
  auto f = ByName(no_boot.Collect());
  EXPECT_EQ(f.count("process_max_fds"), 0u);
  EXPECT_EQ(f.count("process_start_time_seconds"), 0u);
  EXPECT_EQ(f.count("process_cpu_seconds_total"), 1u);
  EXPECT_EQ(f.count("process_open_fds"), 1u);
  ProcessCollector nothing(dir_ + "/nope", dir_ + "/missing");
  EXPECT_TRUE(nothing.Collect().empty());
}

TEST(ProcessCollector, ThisProcessHasPlausibleValues) {
  ProcessCollector c;
  auto f = ByName(c.Collect());
  ASSERT_EQ(f.size(), 6u);
  const double now = std::chrono::duration<double>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  const double start = Value(f["process_start_time_seconds"]);
  EXPECT_LE(start, now + 1);
  EXPECT_GT(start, now - 3600);  // this test started less than an hour ago
  const double rss = Value(f["process_resident_memory_bytes"]);
  EXPECT_GT(rss, 100 * 1024);
  EXPECT_GE(Value(f["process_virtual_memory_bytes"]), rss);
  // The same quantities from another file (/proc/self/status, in kB).
  std::ifstream status("/proc/self/status");
  std::string line;
  double vm_rss = -1, vm_size = -1;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) vm_rss = std::stod(line.substr(6)) * 1024;
    if (line.rfind("VmSize:", 0) == 0) {
      vm_size = std::stod(line.substr(7)) * 1024;
    }
  }
  status.close();
  EXPECT_NEAR(rss, vm_rss, vm_rss * 0.2);
  EXPECT_NEAR(Value(f["process_virtual_memory_bytes"]), vm_size, vm_size * 0.2);
  EXPECT_GE(Value(f["process_cpu_seconds_total"]), 0);
  EXPECT_GE(Value(f["process_max_fds"]), 3);
  // Open fds rise by exactly one while the test holds one more file open.
  const double before = Value(f["process_open_fds"]);
  EXPECT_GE(before, 3);  // stdin, stdout, stderr
  const int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(c.OpenFds(), static_cast<uint64_t>(before) + 1);
  close(fd);
  EXPECT_EQ(c.OpenFds(), static_cast<uint64_t>(before));
}

TEST(ProcessCollector, CpuSecondsRiseWithWork) {
  ProcessCollector c;
  const double before = Value(ByName(c.Collect())["process_cpu_seconds_total"]);
  // Burn CPU until the counter moves (a tick is 10 ms); bounded.
  volatile uint64_t x = 0;
  double after = before;
  const auto until =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (after <= before && std::chrono::steady_clock::now() < until) {
    for (int i = 0; i < 10'000'000; ++i) x = x + i;
    after = Value(ByName(c.Collect())["process_cpu_seconds_total"]);
  }
  EXPECT_GT(after, before);
}

TEST(ProcessCollector, TextHasTheStandardHelpAndType) {
  ProcessCollector c;
  std::ostringstream text;
  prometheus::TextSerializer().Serialize(text, c.Collect());
  const std::string t = text.str();
  for (const char* line :
       {"# HELP process_cpu_seconds_total Total user and system CPU time spent "
        "in seconds.\n# TYPE process_cpu_seconds_total counter\n",
        "# HELP process_resident_memory_bytes Resident memory size in "
        "bytes.\n# TYPE process_resident_memory_bytes gauge\n",
        "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
        "# TYPE process_virtual_memory_bytes gauge\n",
        "# HELP process_open_fds Number of open file descriptors.\n"
        "# TYPE process_open_fds gauge\n",
        "# HELP process_max_fds Maximum number of open file descriptors.\n"
        "# TYPE process_max_fds gauge\n",
        "# HELP process_start_time_seconds Start time of the process since "
        "unix epoch in seconds.\n# TYPE process_start_time_seconds gauge\n"}) {
    EXPECT_NE(t.find(line), std::string::npos) << line << "\n---\n" << t;
  }
}

}  // namespace
}  // namespace vb365
