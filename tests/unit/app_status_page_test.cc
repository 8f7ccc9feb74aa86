// The status page renderer (status_page.h): escaping, a colour class per
// status, ages, running jobs, down and starting servers, no servers.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "app/status_page.h"

namespace vb365 {
namespace {

constexpr Timestamp kNow = 1'800'000'000LL * kTicksPerSecond;
constexpr Timestamp kSec = kTicksPerSecond;

using Snapshots = std::vector<std::shared_ptr<const ServerSnapshot>>;

JobSummary FinishedJob(const std::string& id, const std::string& name,
                       SessionStatus status, Timestamp end) {
  JobSummary j;
  j.job.id = id;
  j.job.name = name;
  j.job.is_enabled = true;
  j.has_last_finished = true;
  j.last_finished.status = status;
  j.last_finished.creation_time = end - 95 * kSec;
  j.last_finished.end_time = end;
  return j;
}

std::shared_ptr<ServerSnapshot> UpServer(const std::string& name) {
  auto s = std::make_shared<ServerSnapshot>();
  s->server = name;
  s->up = true;
  s->api_version = "v8";
  s->product_version = "8.1.0.305";
  s->last_refresh = kNow - 20 * kSec;
  s->last_success = kNow - 20 * kSec;
  s->refresh_duration_seconds = 0.25;
  return s;
}

// The <tr> of the job whose name cell holds exactly `escaped_name`.
std::string JobRow(const std::string& page, const std::string& escaped_name) {
  const std::string cell = "\">" + escaped_name + "</td>";
  size_t p = page.find(cell);
  while (p != std::string::npos) {
    const size_t row = page.rfind("<tr class=\"job", p);
    const size_t end = page.find("</tr>", p);
    if (row != std::string::npos && end != std::string::npos &&
        page.find("job-name", row) < p) {
      return page.substr(row, end - row);
    }
    p = page.find(cell, p + 1);
  }
  return "";
}

TEST(StatusPageEscape, TextAndAttributeEscaping) {
  EXPECT_EQ(HtmlEscape("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;");
  EXPECT_EQ(HtmlEscape("a & \"b\" 'c'"), "a &amp; &quot;b&quot; &#39;c&#39;");
  EXPECT_EQ(HtmlEscape("Zürich 東京"), "Zürich 東京");
  EXPECT_EQ(AttrEscape("/m\" onmouseover=\"x"),
            "/m&#x22; onmouseover&#x3D;&#x22;x");
  EXPECT_EQ(AttrEscape("id a'b<c>&"), "id a&#x27;b&#x3C;c&#x3E;&#x26;");
  EXPECT_EQ(AttrEscape("/metrics"), "/metrics");
}

TEST(StatusPage, JobNamesServerNamesAndErrorsRenderAsText) {
  auto s = UpServer("east <script>alert(2)</script>");
  s->up = false;
  s->last_error = "list jobs: HTTP 500 <b>boom</b>";
  s->jobs.push_back(FinishedJob("id\"><img src=x>",
                                "<img src=x onerror=alert(1)>",
                                SessionStatus::kFailed, kNow - 60 * kSec));
  StatusPageOptions options;
  options.telemetry_path = "/m\"><script>x</script>";
  options.version = "1.0 <i>";
  const std::string page = RenderStatusPage({s}, options, kNow);
  // The page itself has no script and no image at all.
  EXPECT_EQ(page.find("<script"), std::string::npos) << page;
  EXPECT_EQ(page.find("<img"), std::string::npos) << page;
  EXPECT_EQ(page.find("<b>"), std::string::npos);
  EXPECT_EQ(page.find("<i>"), std::string::npos);
  EXPECT_NE(page.find(">&lt;img src=x onerror=alert(1)&gt;</td>"),
            std::string::npos);
  EXPECT_NE(page.find("east &lt;script&gt;alert(2)&lt;/script&gt;"),
            std::string::npos);
  EXPECT_NE(page.find("HTTP 500 &lt;b&gt;boom&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(page.find("href=\"/m&#x22;&#x3E;&#x3C;script&#x3E;x&#x3C;/"
                      "script&#x3E;\""),
            std::string::npos);
  EXPECT_NE(page.find("title=\"id id&#x22;&#x3E;&#x3C;img src&#x3D;x&#x3E;\""),
            std::string::npos);
}

TEST(StatusPage, EachLastStatusGetsItsColourClass) {
  auto s = UpServer("east");
  const std::vector<std::pair<SessionStatus, std::string>> cases = {
      {SessionStatus::kSuccess, "status-success"},
      {SessionStatus::kWarning, "status-warning"},
      {SessionStatus::kFailed, "status-failed"},
      {SessionStatus::kStopped, "status-stopped"},
      {SessionStatus::kNotConfigured, "status-notconfigured"},
      {SessionStatus::kDisconnected, "status-disconnected"},
      {SessionStatus::kUnknown, "status-unknown"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    s->jobs.push_back(FinishedJob("j" + std::to_string(i),
                                  "job " + std::to_string(i), cases[i].first,
                                  kNow - 60 * kSec));
  }
  JobSummary never;
  never.job.id = "jn";
  never.job.name = "never ran";
  s->jobs.push_back(never);
  const std::string page = RenderStatusPage({s}, {}, kNow);
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(StatusClass(cases[i].first), cases[i].second);
    const std::string row = JobRow(page, "job " + std::to_string(i));
    ASSERT_FALSE(row.empty()) << i;
    const std::string name(SessionStatusName(cases[i].first));
    EXPECT_NE(row.find("<td class=\"status " + cases[i].second + "\">" + name +
                       "</td>"),
              std::string::npos)
        << row;
    // Every class has a colour in the inline style.
    EXPECT_NE(page.find("." + cases[i].second), std::string::npos);
  }
  EXPECT_NE(JobRow(page, "never ran")
                .find("<td class=\"status status-none\">none</td>"),
            std::string::npos);
  // The failed job's row is not coloured as a success.
  EXPECT_EQ(JobRow(page, "job 2").find("status-success"), std::string::npos);
  // The summary counts each status once.
  EXPECT_NE(page.find("<span class=\"status-failed\">1 Failed</span>"),
            std::string::npos);
}

TEST(StatusPage, AgesOfFinishesSuccessesAndRefreshes) {
  EXPECT_EQ(FormatAge(0), "0s");
  EXPECT_EQ(FormatAge(45), "45s");
  EXPECT_EQ(FormatAge(125), "2m 5s");
  EXPECT_EQ(FormatAge(3600), "1h");
  EXPECT_EQ(FormatAge(3 * 3600 + 20 * 60 + 9), "3h 20m");
  EXPECT_EQ(FormatAge(2 * 86400 + 4 * 3600 + 59), "2d 4h");
  EXPECT_EQ(FormatAge(-5), "0s");
  EXPECT_EQ(RelativeTime(kNow - 61 * kSec, kNow), "1m 1s ago");
  EXPECT_EQ(RelativeTime(kNow + 300 * kSec, kNow), "in 5m");
  EXPECT_EQ(RelativeTime(kNoTime, kNow), "never");

  auto s = UpServer("east");
  JobSummary j =
      FinishedJob("j1", "Mail", SessionStatus::kWarning, kNow - 3700 * kSec);
  j.last_status_end[0] = kNow - 2 * 86400 * kSec;  // last Success
  j.job.next_run = kNow + 600 * kSec;
  s->jobs.push_back(j);
  JobSummary never =
      FinishedJob("j2", "Sites", SessionStatus::kFailed, kNow - 10 * kSec);
  s->jobs.push_back(never);
  const std::string page = RenderStatusPage({s}, {}, kNow);
  const std::string row = JobRow(page, "Mail");
  EXPECT_NE(row.find(">1h 1m ago</td>"), std::string::npos) << row;
  EXPECT_NE(row.find(">2d ago</td>"), std::string::npos) << row;
  EXPECT_NE(row.find(">in 10m</td>"), std::string::npos) << row;
  EXPECT_NE(row.find(">1m 35s</td>"), std::string::npos) << row;  // took
  // The exact time is the tooltip.
  EXPECT_NE(row.find("title=\"" + FormatTimestamp(kNow - 3700 * kSec) + "\""),
            std::string::npos)
      << row;
  // No success seen: "never", not an age.
  EXPECT_NE(JobRow(page, "Sites").find("<td>never</td>"), std::string::npos);
  // The server's last refresh was 20 s ago.
  EXPECT_NE(page.find(">20s ago</td>"), std::string::npos);
}

TEST(StatusPage, RunningJobShowsItsProgress) {
  auto s = UpServer("east");
  JobSummary j =
      FinishedJob("j1", "Teams", SessionStatus::kSuccess, kNow - 3600 * kSec);
  j.running = true;
  j.running_start = kNow - 600 * kSec;
  j.running_progress = 42;
  s->jobs.push_back(j);
  const std::string page = RenderStatusPage({s}, {}, kNow);
  const std::string row = JobRow(page, "Teams");
  EXPECT_NE(row.find("<td class=\"running\">running for 10m, 42 objects</td>"),
            std::string::npos)
      << row;
  // A running session never hides the last finished status.
  EXPECT_NE(row.find("status-success"), std::string::npos);
  EXPECT_NE(page.find("1 running"), std::string::npos);
}

TEST(StatusPage, NoServersSaysSo) {
  const std::string page = RenderStatusPage({}, {}, kNow);
  EXPECT_NE(page.find("No servers are configured."), std::string::npos);
  EXPECT_NE(page.find("0 of 0 servers up"), std::string::npos);
  EXPECT_EQ(page.find("<table"), std::string::npos);
  EXPECT_NE(page.find("</html>"), std::string::npos);
}

TEST(StatusPage, DownServerShowsItsErrorAndKeepsTheLastGoodJobs) {
  auto down = UpServer("west");
  down->up = false;
  down->last_refresh = kNow - 5 * kSec;
  down->last_success = kNow - 7200 * kSec;
  down->last_error = "api version: connection refused";
  down->jobs.push_back(
      FinishedJob("j1", "Mail", SessionStatus::kSuccess, kNow - 8000 * kSec));
  auto starting = std::make_shared<ServerSnapshot>();
  starting->server = "north";
  const std::string page =
      RenderStatusPage({UpServer("east"), down, starting}, {}, kNow);
  const size_t west = page.find("<td class=\"server-name\">west</td>");
  ASSERT_NE(west, std::string::npos);
  const std::string row = page.substr(west, page.find("</tr>", west) - west);
  EXPECT_NE(row.find("<td class=\"state server-down\">down</td>"),
            std::string::npos)
      << row;
  EXPECT_NE(row.find("api version: connection refused"), std::string::npos);
  EXPECT_NE(row.find("job values are from the last good refresh"),
            std::string::npos);
  EXPECT_NE(row.find(">5s ago</td>"), std::string::npos);  // last refresh
  EXPECT_NE(row.find(">2h ago</td>"), std::string::npos);  // last success
  EXPECT_NE(page.find("<td class=\"state server-up\">up</td>"),
            std::string::npos);
  EXPECT_NE(page.find("<td class=\"state server-pending\">starting</td>"),
            std::string::npos);
  EXPECT_NE(page.find("Waiting for the first refresh."), std::string::npos);
  auto never = UpServer("south");
  never->up = false;
  never->last_success = kNoTime;
  EXPECT_NE(RenderStatusPage({never}, {}, kNow)
                .find("No jobs read yet: the server has not answered"),
            std::string::npos);
  EXPECT_NE(RenderStatusPage({UpServer("east")}, {}, kNow).find("No jobs."),
            std::string::npos);
  EXPECT_NE(page.find("1 of 3 servers up"), std::string::npos);
  EXPECT_FALSE(JobRow(page, "Mail").empty());
}

TEST(StatusPage, RefreshesItselfAndLinksTheMetricsAndHealth) {
  StatusPageOptions options;
  options.telemetry_path = "/custom/metrics";
  options.refresh_seconds = 30;
  const std::string page = RenderStatusPage({UpServer("east")}, options, kNow);
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("<meta http-equiv=\"refresh\" content=\"30\">"),
            std::string::npos);
  EXPECT_NE(page.find("<a href=\"/custom/metrics\">"), std::string::npos);
  EXPECT_NE(page.find("<a href=\"/-/healthy\">"), std::string::npos);
  // No external asset: nothing is loaded from anywhere.
  EXPECT_EQ(page.find("src="), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
  options.refresh_seconds = 0;
  EXPECT_EQ(RenderStatusPage({}, options, kNow).find("http-equiv"),
            std::string::npos);
}

TEST(StatusPage, SameInputSameBytes) {
  auto s = UpServer("east");
  s->jobs.push_back(
      FinishedJob("j1", "Mail", SessionStatus::kFailed, kNow - 60 * kSec));
  const Snapshots snaps = {s};
  EXPECT_EQ(RenderStatusPage(snaps, {}, kNow),
            RenderStatusPage(snaps, {}, kNow));
  EXPECT_NE(RenderStatusPage(snaps, {}, kNow),
            RenderStatusPage(snaps, {}, kNow + 60 * kSec));
}

}  // namespace
}  // namespace vb365
