// Issue 11, the peak-RSS miss on v3: max_large_responses bounds the whole
// histories held in memory at once. Through the Refresher, the Client and
// verified HTTPS against the simulator on v3 (every refresh reads every
// job's whole history, about 0.66 MB a job): with one slot and 8 workers no
// two large bodies are ever held at once, and what is counted is exactly
// what the same refreshes make of the histories without a limit.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "api/client.h"
#include "api/curl_transport.h"
#include "collection/job_source.h"
#include "collection/refresher.h"
#include "harness.h"
#include "parse/padded_body.h"
#include "sim_refresher.h"

namespace vb365 {
namespace {

using sim::SimulatorConfig;
using sim::SimulatorProcess;

struct Exporter {
  explicit Exporter(const SimulatorProcess& sim) {
    config = sim_refresher::JobsConfig(sim, std::chrono::seconds(60));
    config.api_version = ApiVersion::kV3;
    config.max_concurrent_requests = 8;
    config.session_history = std::chrono::hours(24 * 3650);
    transport = std::make_unique<CurlTransport>(
        CurlTransportOptions::FromServer(config));
    client = std::make_unique<Client>(config, transport.get(), nullptr);
    source = std::make_unique<ClientJobSource>(client.get());
    refresher = std::make_unique<Refresher>(config, RefresherOptions{},
                                            source.get(), &sink, nullptr);
  }

  ServerConfig config;
  sim_refresher::LastSink sink;
  std::unique_ptr<CurlTransport> transport;
  std::unique_ptr<Client> client;
  std::unique_ptr<ClientJobSource> source;
  std::unique_ptr<Refresher> refresher;
};

// What a refresh made of each job's whole history: the latest finished
// session (id, end, transferred bytes) and the end of the latest session of
// each tracked status.
std::map<std::string, std::string> Digest(const ServerSnapshot& snap) {
  std::map<std::string, std::string> out;
  for (const JobSummary& s : snap.jobs) {
    std::string d = s.has_last_finished
                        ? std::to_string(s.last_finished.id.hi) + ":" +
                              std::to_string(s.last_finished.id.lo)
                        : "-";
    d += " " + std::to_string(s.last_finished.end_time);
    d +=
        " " + std::to_string(s.last_finished.statistics.transferred_data_bytes);
    for (Timestamp t : s.last_status_end) d += " " + std::to_string(t);
    out[s.job.id] = d;
  }
  return out;
}

class LargeResponses : public ::testing::Test {
 protected:
  void TearDown() override { PaddedBody::SetLargeBodyLimit(0); }
};

TEST_F(LargeResponses,
       OneSlotHoldsOneWholeHistoryAtATimeAndReadsWhatNoLimitReads) {
  SimulatorConfig sc;
  sc.versions = {"v3"};
  sc.jobs = 24;
  sc.sessions_per_job = 1000;  // about 0.66 MB a job: every body is large
  sc.extra_args = {"--threads", "16"};
  SimulatorProcess sim(sc);

  PaddedBody::SetLargeBodyLimit(0);
  Exporter unlimited(sim);
  auto free_run = unlimited.refresher->RefreshOnce();
  ASSERT_TRUE(free_run->up) << free_run->last_error;
  const auto expected = Digest(*free_run);
  ASSERT_EQ(expected.size(), static_cast<size_t>(sc.jobs));
  for (const JobSummary& s : free_run->jobs) {
    ASSERT_TRUE(s.has_last_finished) << s.job.id;
  }

  PaddedBody::SetLargeBodyLimit(1);
  const LargeBodyStats before = PaddedBody::GetLargeBodyStats();
  Exporter limited(sim);
  for (int refresh = 0; refresh < 2; ++refresh) {
    auto snap = limited.refresher->RefreshOnce();
    ASSERT_TRUE(snap->up) << snap->last_error;
    EXPECT_EQ(Digest(*snap), expected) << "refresh " << refresh;
  }
  const LargeBodyStats after = PaddedBody::GetLargeBodyStats();
  // Every job's history, twice, went through the one slot.
  EXPECT_GE(after.acquired - before.acquired, 2u * sc.jobs);
  EXPECT_EQ(after.peak_in_use, 1);
  EXPECT_EQ(after.in_use, 0);
}

}  // namespace
}  // namespace vb365
