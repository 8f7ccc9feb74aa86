// Everything a user of the mixin may want to change. Override it in your own
// jsonnet, e.g.
//
//   (import 'vb365-mixin/mixin.libsonnet') + {
//     _config+:: {
//       exporterSelector: 'job="vb365-exporter"',
//       defaultMaxBackupAgeHours: 50,
//       alerts+:: { VB365JobWarning+: { severity: 'info' } },
//     },
//   }
//
// The defaults generate the files shipped in deploy/prometheus/,
// deploy/grafana/ and deploy/kubernetes/ (deploy/mixin/generate.py).
{
  _config+:: {
    // Label matchers selecting the exporter's own scrape job(s) in `up` and
    // `scrape_duration_seconds` (VB365ExporterDown, VB365ExporterTargetMissing,
    // the dashboard's Scrape panel). prometheus.yml names the job "vb365", a
    // ServiceMonitor names it after the Service ("vb365-exporter").
    exporterSelector: 'job=~"vb365.*"',

    // VB365ExporterRefreshStale: a server's last successful refresh is older
    // than this although the server counts as up.
    refreshStaleSeconds: 900,
    // VB365AuthenticationFailing: login failures within this window.
    authFailureWindow: '10m',
    // VB365ApiErrors: share of failed API requests over the window.
    apiErrorRatio: 0.1,
    apiErrorWindow: '10m',
    // VB365ApiParseErrors: fires while a parse error happened this recently.
    parseErrorWindow: '30m',
    // VB365JobNoRecentSuccess: the default backup-age threshold in hours
    // (per job: the recording rule vb365:job_max_backup_age_seconds:override).
    defaultMaxBackupAgeHours: 26,
    // VB365JobRunningTooLong: running longer than factor x typical duration
    // (p90 over 7 days) + margin.
    runningTooLongFactor: 2,
    runningTooLongMarginSeconds: 3600,
    // VB365JobMissedSchedule: nextRun this far in the past, job not running.
    missedScheduleMarginSeconds: 3600,
    // Evaluation interval of the slow recording rule group (the 7-day p90).
    slowRulesInterval: '2m',

    // `for:` and `severity` of every alert (`for: null` = fires at once).
    alerts: {
      VB365ExporterDown: { 'for': '5m', severity: 'critical' },
      VB365ExporterTargetMissing: { 'for': '15m', severity: 'critical' },
      VB365ExporterRefreshStale: { 'for': '5m', severity: 'warning' },
      VB365ServerDown: { 'for': '5m', severity: 'critical' },
      VB365AuthenticationFailing: { 'for': '10m', severity: 'critical' },
      VB365ApiErrors: { 'for': '15m', severity: 'warning' },
      VB365ApiParseErrors: { 'for': null, severity: 'warning' },
      VB365JobFailed: { 'for': '1m', severity: 'critical' },
      VB365JobWarning: { 'for': '1m', severity: 'warning' },
      VB365JobNoRecentSuccess: { 'for': '10m', severity: 'critical' },
      VB365JobRunningTooLong: { 'for': '5m', severity: 'warning' },
      VB365JobDisabled: { 'for': '12h', severity: 'warning' },
      VB365JobMissedSchedule: { 'for': '10m', severity: 'warning' },
    },

    // Grafana dashboard.
    dashboardUid: 'vb365-overview',
    dashboardTitle: 'Veeam Backup for Microsoft 365 - overview',
    dashboardTags: ['vb365', 'veeam', 'backup'],
    dashboardRefresh: '1m',
    dashboardTimeFrom: 'now-7d',
    // Jobs table, "Last success" column: orange after this many seconds,
    // red after the default backup-age threshold.
    dashboardBackupAgeWarningSeconds: 86400,
  },
}
