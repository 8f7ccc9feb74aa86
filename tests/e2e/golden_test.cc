// The golden /metrics page (node_exporter's e2e-output habit): the real
// vb365_exporter against the real simulator over verified HTTPS, with a pinned
// seed and anchor time (time frozen), for API v3 and v8. The page after the
// first refresh is compared byte for byte with
// tests/fixtures/golden/metrics_<version>.txt; a mismatch prints a unified
// diff. Only the values of self-metrics that measure time and of the
// process_* metrics are masked (and the build revision label), so a renamed,
// dropped, added, relabelled or reordered series, a changed HELP or TYPE line
// or a changed value fails the test.
//
// Regenerate with `make golden` (this binary with --update), then review the
// diff of the files like code.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "exporter_process.h"
#include "harness.h"

#ifndef VB365_GOLDEN_DIR
#error "VB365_GOLDEN_DIR must be defined by the build"
#endif

namespace vb365 {
namespace {

using e2e::ExporterProcess;
using e2e::ReadFile;
using e2e::WaitFor;
using e2e::WriteFile;

bool g_update = false;  // --update: write the files instead of comparing

constexpr char kMasked[] = "<masked>";

// The generated history ends here; with no --session-interval the simulator's
// time does not move, so every answer is the same bytes on every run.
constexpr char kAnchor[] = "2026-01-15T10:00:00Z";

// Series whose value measures time on this machine (durations, when the
// refresh ended, latency buckets and sums), and the standard process_*
// metrics (CPU, memory, descriptors, start time, the fd limit: the process
// and the machine, not the data). Their _count, the request counters and
// everything else stay exact.
bool MaskedValue(const std::string& name) {
  return name.rfind("process_", 0) == 0 ||
         name == "vb365_refresh_duration_seconds" ||
         name == "vb365_refresh_last_success_timestamp_seconds" ||
         name == "vb365_api_request_duration_seconds_bucket" ||
         name == "vb365_api_request_duration_seconds_sum";
}

// v3 links are absolute (https://127.0.0.1:PORT/...), so the body sizes of
// /Jobs and the sessions depend on the simulator's port number's digits.
bool PortInBody(const std::string& version, const std::string& line) {
  return version == "v3" &&
         line.rfind("vb365_api_response_bytes_total{", 0) == 0 &&
         (line.find("endpoint=\"jobs\"") != std::string::npos ||
          line.find("endpoint=\"job_sessions\"") != std::string::npos);
}

// Replaces the volatile values of `page` with <masked>; keeps every line, its
// name, its labels and its position.
std::string Mask(const std::string& page, const std::string& version) {
  static const std::regex kRevision("revision=\"[^\"]*\"");
  std::istringstream in(page);
  std::string out, line;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') {
      const size_t name_end = line.find_first_of("{ ");
      const std::string name = line.substr(0, name_end);
      if (name == "vb365_exporter_build_info") {
        line = std::regex_replace(line, kRevision,
                                  std::string("revision=\"") + kMasked + "\"");
      }
      const size_t space = line.rfind(' ');
      if ((MaskedValue(name) || PortInBody(version, line)) &&
          space != std::string::npos) {
        line = line.substr(0, space + 1) + kMasked;
      }
    }
    out += line;
    out += '\n';
  }
  return out;
}

// `diff -u` of the checked-in file and the page (diff is in every Debian).
std::string UnifiedDiff(const std::string& dir, const std::string& golden_path,
                        const std::string& got) {
  const std::string got_path = dir + "/got.txt", out_path = dir + "/diff.txt";
  WriteFile(got_path, got);
  const std::string cmd = "diff -u --label '" + golden_path +
                          "' --label 'GET /metrics (masked)' '" + golden_path +
                          "' '" + got_path + "' > '" + out_path + "' 2>&1";
  (void)std::system(cmd.c_str());
  return ReadFile(out_path);
}

std::string Config(const sim::SimulatorProcess& s, const std::string& version) {
  std::string user;
  for (char c : s.username()) {  // single-quoted YAML: double the quotes
    user += c;
    if (c == '\'') user += '\'';
  }
  // One refresh: the next would start an hour later. The session history
  // reaches back 20 years from the wall clock, so the v8 time filter keeps
  // every session before the pinned anchor for a long time to come.
  return "refresh_interval: 1h\n"
         "servers:\n"
         "  - name: sim\n"
         "    url: " +
         s.base_url() + "\n    api_version: " + version + "\n    username: '" +
         user + "'\n    password_file: " + s.password_file() +
         "\n    tls:\n      ca_file: " + s.ca_file() +
         "\n    timeout: 10s\n"
         "    max_concurrent_requests: 4\n"
         "    session_history: 7300d\n";
}

std::string Get(const ExporterProcess& e, const std::string& encoding,
                std::string* content_encoding) {
  httplib::Client c("127.0.0.1", e.port());
  c.set_connection_timeout(10, 0);
  c.set_read_timeout(10, 0);
  auto res = c.Get("/metrics", {{"Accept-Encoding", encoding}});
  if (!res || res->status != 200) return "";
  *content_encoding = res->get_header_value("Content-Encoding");
  return res->body;  // httplib inflates gzip
}

void CheckGolden(const std::string& version) {
  sim::SimulatorConfig sc;
  sc.versions = {version};
  sc.jobs = 7;  // the special jobs 0..4 and two seeded ones
  sc.sessions_per_job = 6;
  sc.seed = 1;
  sc.anchor_time = kAnchor;
  sc.exit_after_seconds = 120;
  sim::SimulatorProcess s(sc);
  ExporterProcess e(Config(s, version));

  // The first refresh is done when its snapshot is published (vb365_up 1);
  // every request of it has been counted by then.
  ASSERT_TRUE(WaitFor([&] {
    return e.Metrics()["vb365_up{server=\"sim\"}"] == "1";
  })) << e.Stderr();
  std::string plain_encoding, gzip_encoding;
  const std::string plain = Get(e, "identity", &plain_encoding);
  const std::string gzip = Get(e, "gzip", &gzip_encoding);
  ASSERT_FALSE(plain.empty()) << e.Stderr();
  EXPECT_EQ(plain_encoding, "");
  EXPECT_EQ(gzip_encoding, "gzip");
  // Two scrapes a moment apart: the process_* values (CPU time crossing a
  // 10 ms tick) may differ, so both are compared masked.
  EXPECT_EQ(Mask(gzip, version), Mask(plain, version))
      << "the gzip page differs from the plain one";
  // Still the first refresh: nothing was requested after it.
  EXPECT_EQ(s.Stat("requests.jobs"), 1);

  const std::string got = Mask(plain, version);
  const std::string golden_path =
      std::string(VB365_GOLDEN_DIR) + "/metrics_" + version + ".txt";
  if (g_update) {
    std::filesystem::create_directories(VB365_GOLDEN_DIR);
    WriteFile(golden_path, got);
    std::cout << "updated " << golden_path << "\n";
    return;
  }
  const std::string want = ReadFile(golden_path);
  ASSERT_FALSE(want.empty()) << golden_path << " is missing: run `make golden`";
  EXPECT_TRUE(want == got)
      << "GET /metrics differs from the golden page (run `make golden` if the "
         "change is intended, and review the diff):\n"
      << UnifiedDiff(e.dir(), golden_path, got);
}

TEST(Golden, MetricsPageOnV3MatchesTheCheckedInFile) { CheckGolden("v3"); }

TEST(Golden, MetricsPageOnV8MatchesTheCheckedInFile) { CheckGolden("v8"); }

// The mask keeps names, labels and positions and touches only the listed
// values: a masked page can still tell a renamed or dropped series.
TEST(Golden, MaskHidesOnlyVolatileValues) {
  const std::string page =
      "# HELP vb365_refresh_duration_seconds d\n"
      "vb365_refresh_duration_seconds{server=\"a\"} 0.0123\n"
      "vb365_api_request_duration_seconds_bucket{server=\"a\",le=\"0.005\"} "
      "3\n"
      "vb365_api_request_duration_seconds_count{server=\"a\"} 3\n"
      "vb365_exporter_build_info{revision=\"abc123\",version=\"0.1.0\"} 1\n"
      "vb365_api_response_bytes_total{endpoint=\"jobs\",server=\"a\"} 5\n"
      "vb365_jobs{server=\"a\"} 7\n"
      "# TYPE process_open_fds gauge\n"
      "process_open_fds 12\n";
  EXPECT_EQ(Mask(page, "v8"),
            "# HELP vb365_refresh_duration_seconds d\n"
            "vb365_refresh_duration_seconds{server=\"a\"} <masked>\n"
            "vb365_api_request_duration_seconds_bucket{server=\"a\",le=\"0."
            "005\"} <masked>\n"
            "vb365_api_request_duration_seconds_count{server=\"a\"} 3\n"
            "vb365_exporter_build_info{revision=\"<masked>\",version=\"0.1.0\"}"
            " 1\n"
            "vb365_api_response_bytes_total{endpoint=\"jobs\",server=\"a\"} "
            "5\n"
            "vb365_jobs{server=\"a\"} 7\n"
            "# TYPE process_open_fds gauge\n"
            "process_open_fds <masked>\n");
  EXPECT_NE(Mask(page, "v3").find("endpoint=\"jobs\",server=\"a\"} <masked>"),
            std::string::npos);
}

}  // namespace
}  // namespace vb365

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--update") {
      vb365::g_update = true;
    } else {
      std::cerr << "usage: golden_test [gtest flags] [--update]\n";
      return 2;
    }
  }
  return RUN_ALL_TESTS();
}
