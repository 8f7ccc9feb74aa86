// The HTML status page served at "/": every server and every job as of the
// snapshots the refreshers published (the same ones /metrics renders).
// Server-rendered, no script, no external asset; everything shown from the
// snapshots is escaped. A pure function of (snapshots, options, now).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/job_state.h"
#include "model/types.h"

namespace vb365 {

struct StatusPageOptions {
  // Linked from the page (--web.telemetry-path).
  std::string telemetry_path = "/metrics";
  // The page reloads itself this often (meta refresh); 0: never.
  int refresh_seconds = 30;
  // Shown in the footer, e.g. "1.2.0 (revision abc)"; may be empty.
  std::string version;
};

// The whole page (UTF-8 HTML5). `servers` in display order (the
// collector's: by server name); null entries are skipped.
std::string RenderStatusPage(
    const std::vector<std::shared_ptr<const ServerSnapshot>>& servers,
    const StatusPageOptions& options, Timestamp now);

// Escapes text for an HTML element's content: & < > " ' become entities.
std::string HtmlEscape(std::string_view text);
// Escapes text for a double-quoted attribute value: every ASCII character
// other than letters, digits and "-_.,:/ " becomes a numeric reference
// (safe even if the quotes were lost); UTF-8 bytes pass through.
std::string AttrEscape(std::string_view text);

// "45s", "12m 5s", "3h 20m", "2d 4h" (two units at most; negative: 0s).
std::string FormatAge(int64_t seconds);
// "5m 3s ago", "in 2h 10m", or "never" for kNoTime.
std::string RelativeTime(Timestamp t, Timestamp now);

// The CSS class of a last status: "status-" + the lower-case status name
// ("status-failed", "status-success", ...).
std::string StatusClass(SessionStatus status);

}  // namespace vb365
