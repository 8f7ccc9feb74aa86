#include "app/status_page.h"

#include <array>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <string>

namespace vb365 {
namespace {

// Inline, so the page has no external asset; the status colours are the
// CSS classes the page's rows carry (StatusClass).
constexpr char kStyle[] = R"css(
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em;color:#1d2329;background:#fafbfc}
h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.6em 0 .4em}
nav a{margin-right:1em}
table{border-collapse:collapse;background:#fff;min-width:60%}
th,td{border:1px solid #d8dde3;padding:.3em .6em;text-align:left;vertical-align:top;white-space:nowrap}
td.job-name,td.error,td.running{white-space:normal}
th{background:#eef1f4;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.summary span{display:inline-block;margin:0 .4em .4em 0;padding:.15em .6em;border-radius:.8em}
.status,.state{font-weight:600}
.status-success,.server-up{background:#d7f0dd;color:#14532d}
.status-warning{background:#fff1c2;color:#6b4e00}
.status-failed,.server-down{background:#fbd5d5;color:#7f1d1d}
.status-stopped{background:#e4e7eb;color:#374151}
.status-notconfigured,.status-disconnected{background:#e9e3f5;color:#4c1d95}
.status-unknown,.status-none,.server-pending{background:#eceff1;color:#4b5563}
.running{background:#dbeafe;color:#1e3a8a}
tr.job-disabled td.job-name{color:#6b7280;font-style:italic}
.error{color:#7f1d1d}
footer{margin-top:2em;color:#6b7280;font-size:.9em}
)css";

void AppendEscaped(std::string_view text, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '&':
        out->append("&amp;");
        break;
      case '<':
        out->append("&lt;");
        break;
      case '>':
        out->append("&gt;");
        break;
      case '"':
        out->append("&quot;");
        break;
      case '\'':
        out->append("&#39;");
        break;
      default:
        out->push_back(c);
    }
  }
}

std::string Seconds(Timestamp t) {
  return FormatTimestamp(t - t % kTicksPerSecond);
}

// "12.3 MB" (decimal units, like the dashboard).
std::string FormatBytes(int64_t bytes) {
  static constexpr std::array<const char*, 6> kUnits = {"B",  "kB", "MB",
                                                        "GB", "TB", "PB"};
  double v = static_cast<double>(bytes < 0 ? 0 : bytes);
  size_t unit = 0;
  while (v >= 1000 && unit + 1 < kUnits.size()) {
    v /= 1000;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof buf, "%" PRId64 " B", bytes < 0 ? 0 : bytes);
  } else {
    std::snprintf(buf, sizeof buf, v < 10 ? "%.1f %s" : "%.0f %s", v,
                  kUnits[unit]);
  }
  return buf;
}

// <td> with a relative time and the exact UTC time as its tooltip.
void AppendTimeCell(Timestamp t, Timestamp now, std::string* out) {
  if (t == kNoTime) {
    out->append("<td>never</td>");
    return;
  }
  out->append("<td title=\"");
  out->append(AttrEscape(Seconds(t)));
  out->append("\">");
  AppendEscaped(RelativeTime(t, now), out);
  out->append("</td>");
}

struct ServerState {
  const char* css;
  const char* text;
};

ServerState StateOf(const ServerSnapshot& s) {
  if (s.up) return {"server-up", "up"};
  if (s.last_refresh == kNoTime) return {"server-pending", "starting"};
  return {"server-down", "down"};
}

void AppendHead(const StatusPageOptions& options, std::string* out) {
  out->append(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
  if (options.refresh_seconds > 0) {
    out->append("<meta http-equiv=\"refresh\" content=\"");
    out->append(std::to_string(options.refresh_seconds));
    out->append("\">\n");
  }
  out->append(
      "<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\">\n<title>VB365 Exporter status</title>\n<style>");
  out->append(kStyle);
  out->append(
      "</style></head>\n<body>\n<h1>VB365 Exporter</h1>\n<nav><a href=\"");
  out->append(AttrEscape(options.telemetry_path));
  out->append("\">Metrics</a><a href=\"/-/healthy\">Health</a></nav>\n");
}

void AppendSummary(
    const std::vector<std::shared_ptr<const ServerSnapshot>>& servers,
    std::string* out) {
  size_t up = 0, count = 0, jobs = 0, running = 0, none = 0;
  std::array<size_t, kSessionStatusCount> by_status{};
  for (const auto& s : servers) {
    if (!s) continue;
    ++count;
    if (s->up) ++up;
    for (const JobSummary& j : s->jobs) {
      ++jobs;
      if (j.running) ++running;
      if (j.has_last_finished) {
        ++by_status[static_cast<size_t>(j.last_finished.status)];
      } else {
        ++none;
      }
    }
  }
  out->append("<p class=\"summary\"><span class=\"");
  out->append(up == count ? "server-up" : "server-down");
  out->append("\">");
  out->append(std::to_string(up) + " of " + std::to_string(count) +
              " servers up</span><span>" + std::to_string(jobs) +
              " jobs</span>");
  for (SessionStatus st :
       {SessionStatus::kFailed, SessionStatus::kWarning,
        SessionStatus::kStopped, SessionStatus::kSuccess,
        SessionStatus::kNotConfigured, SessionStatus::kDisconnected,
        SessionStatus::kUnknown}) {
    const size_t n = by_status[static_cast<size_t>(st)];
    if (n == 0) continue;
    out->append("<span class=\"" + StatusClass(st) + "\">" + std::to_string(n) +
                " ");
    AppendEscaped(SessionStatusName(st), out);
    out->append("</span>");
  }
  if (none > 0) {
    out->append("<span class=\"status-none\">" + std::to_string(none) +
                " never finished</span>");
  }
  if (running > 0) {
    out->append("<span class=\"running\">" + std::to_string(running) +
                " running</span>");
  }
  out->append("</p>\n");
}

void AppendServers(
    const std::vector<std::shared_ptr<const ServerSnapshot>>& servers,
    Timestamp now, std::string* out) {
  out->append("<h2>Servers</h2>\n");
  bool any = false;
  for (const auto& s : servers) any = any || s != nullptr;
  if (!any) {
    out->append("<p class=\"empty\">No servers are configured.</p>\n");
    return;
  }
  out->append(
      "<table class=\"servers\"><thead><tr><th>Server</th><th>State</th>"
      "<th>Last refresh</th><th>Last success</th><th>Refresh took</th>"
      "<th>API</th><th>Version</th><th>Jobs</th><th>Error</th></tr></thead>"
      "\n<tbody>\n");
  for (const auto& s : servers) {
    if (!s) continue;
    const ServerState state = StateOf(*s);
    out->append("<tr class=\"server\"><td class=\"server-name\">");
    AppendEscaped(s->server, out);
    out->append("</td><td class=\"state ");
    out->append(state.css);
    out->append("\">");
    out->append(state.text);
    out->append("</td>");
    AppendTimeCell(s->last_refresh, now, out);
    AppendTimeCell(s->last_success, now, out);
    char took[32];
    std::snprintf(took, sizeof took, "%.2f s", s->refresh_duration_seconds);
    out->append("<td class=\"num\">");
    out->append(s->last_refresh == kNoTime ? "" : took);
    out->append("</td><td>");
    AppendEscaped(s->api_version, out);
    out->append("</td><td>");
    AppendEscaped(s->product_version, out);
    out->append("</td><td class=\"num\">");
    out->append(std::to_string(s->jobs.size()));
    out->append("</td><td class=\"error\">");
    AppendEscaped(s->last_error, out);
    if (!s->up && !s->jobs.empty()) {
      out->append(s->last_error.empty() ? "" : "<br>");
      out->append("job values are from the last good refresh");
    }
    out->append("</td></tr>\n");
  }
  out->append("</tbody></table>\n");
}

void AppendJob(const JobSummary& j, Timestamp now, std::string* out) {
  const bool disabled = j.job.is_enabled.has_value() && !*j.job.is_enabled;
  out->append(disabled ? "<tr class=\"job job-disabled\">"
                       : "<tr class=\"job\">");
  out->append("<td class=\"job-name\" title=\"");
  out->append(AttrEscape("id " + j.job.id));
  out->append("\">");
  AppendEscaped(j.job.name, out);
  out->append("</td>");
  if (j.has_last_finished) {
    const JobSession& s = j.last_finished;
    out->append("<td class=\"status " + StatusClass(s.status) + "\">");
    AppendEscaped(SessionStatusName(s.status), out);
    out->append("</td>");
    AppendTimeCell(s.end_time, now, out);
    out->append("<td class=\"num\">");
    if (s.end_time != kNoTime && s.creation_time != kNoTime) {
      out->append(FormatAge((s.end_time - s.creation_time) / kTicksPerSecond));
    }
    out->append("</td><td class=\"num\">");
    if (s.has_statistics) {
      out->append(FormatBytes(s.statistics.transferred_data_bytes));
    }
    out->append("</td>");
  } else {
    out->append(
        "<td class=\"status status-none\">none</td><td></td><td></td>"
        "<td></td>");
  }
  AppendTimeCell(j.last_status_end[0], now, out);  // Success
  if (j.running) {
    out->append("<td class=\"running\">running");
    if (j.running_start != kNoTime) {
      out->append(" for ");
      out->append(FormatAge((now - j.running_start) / kTicksPerSecond));
    }
    out->append(", ");
    out->append(std::to_string(j.running_progress));
    out->append(" objects</td>");
  } else {
    out->append("<td></td>");
  }
  if (disabled) {
    out->append("<td>disabled</td>");
  } else if (j.job.next_run != kNoTime) {
    AppendTimeCell(j.job.next_run, now, out);
  } else {
    out->append("<td></td>");
  }
  out->append("</tr>\n");
}

void AppendJobs(const ServerSnapshot& s, size_t index, Timestamp now,
                std::string* out) {
  out->append("<h2 id=\"jobs-" + std::to_string(index) + "\">Jobs on ");
  AppendEscaped(s.server, out);
  out->append("</h2>\n");
  if (s.jobs.empty()) {
    const char* why =
        s.last_refresh == kNoTime ? "Waiting for the first refresh."
        : s.last_success == kNoTime
            ? "No jobs read yet: the server has not answered a refresh."
            : "No jobs.";
    out->append("<p class=\"empty\">");
    out->append(why);
    out->append("</p>\n");
    return;
  }
  out->append(
      "<table class=\"jobs\"><thead><tr><th>Job</th><th>Last status</th>"
      "<th>Finished</th><th>Took</th><th>Transferred</th>"
      "<th>Last success</th><th>Running</th><th>Next run</th></tr></thead>"
      "\n<tbody>\n");
  for (const JobSummary& j : s.jobs) AppendJob(j, now, out);
  out->append("</tbody></table>\n");
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendEscaped(text, &out);
  return out;
}

std::string AttrEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c >= 0x80 || std::isalnum(c) || c == '-' || c == '_' || c == '.' ||
        c == ',' || c == ':' || c == '/' || c == ' ') {
      out.push_back(ch);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "&#x%02X;", c);
      out.append(buf);
    }
  }
  return out;
}

std::string FormatAge(int64_t seconds) {
  if (seconds < 0) seconds = 0;
  const int64_t d = seconds / 86400, h = seconds % 86400 / 3600,
                m = seconds % 3600 / 60, s = seconds % 60;
  auto two = [](int64_t a, const char* ua, int64_t b, const char* ub) {
    std::string r = std::to_string(a) + ua;
    if (b > 0) r += " " + std::to_string(b) + ub;
    return r;
  };
  if (d > 0) return two(d, "d", h, "h");
  if (h > 0) return two(h, "h", m, "m");
  if (m > 0) return two(m, "m", s, "s");
  return std::to_string(s) + "s";
}

std::string RelativeTime(Timestamp t, Timestamp now) {
  if (t == kNoTime) return "never";
  if (t > now) return "in " + FormatAge((t - now) / kTicksPerSecond);
  return FormatAge((now - t) / kTicksPerSecond) + " ago";
}

std::string StatusClass(SessionStatus status) {
  std::string out = "status-";
  for (char c : SessionStatusName(status)) {
    out.push_back(
        static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

std::string RenderStatusPage(
    const std::vector<std::shared_ptr<const ServerSnapshot>>& servers,
    const StatusPageOptions& options, Timestamp now) {
  std::string out;
  size_t jobs = 0;
  for (const auto& s : servers) jobs += s ? s->jobs.size() : 0;
  out.reserve(4096 + 400 * jobs);
  AppendHead(options, &out);
  AppendSummary(servers, &out);
  AppendServers(servers, now, &out);
  for (size_t i = 0; i < servers.size(); ++i) {
    if (servers[i]) AppendJobs(*servers[i], i, now, &out);
  }
  out.append("<footer>Rendered ");
  AppendEscaped(Seconds(now), &out);
  out.append(" from the snapshots of the latest refreshes (the values of ");
  out.append("<a href=\"");
  out.append(AttrEscape(options.telemetry_path));
  out.append("\">");
  AppendEscaped(options.telemetry_path, &out);
  out.append("</a>)");
  if (options.refresh_seconds > 0) {
    out.append("; reloads every " + std::to_string(options.refresh_seconds) +
               " s");
  }
  out.append(".");
  if (!options.version.empty()) {
    out.append(" vb365_exporter ");
    AppendEscaped(options.version, &out);
    out.append(".");
  }
  out.append("</footer>\n</body></html>\n");
  return out;
}

}  // namespace vb365
