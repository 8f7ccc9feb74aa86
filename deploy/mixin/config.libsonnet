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

    // Resources beyond jobs (repositories, proxies, license, organizations,
    // restores, health, the collectors).
    // VB365RepositoryLowSpace / VB365RepositoryCriticalSpace: free share of a
    // repository (local: free / capacity; object storage with a size limit:
    // 1 - used / limit).
    repositoryFreeWarningRatio: 0.10,
    repositoryFreeCriticalRatio: 0.05,
    // VB365RepositoryFullSoon: free space extrapolated linearly over this
    // window reaches 0 within repositoryFullHorizonDays.
    repositoryFullWindow: '6h',
    repositoryFullHorizonDays: 7,
    // VB365LicenseExpiringSoon: the license expires within this many days.
    licenseExpiryWarningDays: 30,
    // VB365LicenseNearCapacity: used / capacity above this share.
    licenseUsedRatio: 0.95,
    // VB365OrganizationNoRecentBackup: the organization's last backup is older.
    organizationMaxBackupAgeHours: 26,
    // VB365RestoreFailed: fires while a restore failed this recently.
    restoreFailedWindow: '1h',

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
      VB365CopyJobFailed: { 'for': '1m', severity: 'warning' },
      VB365JobWarning: { 'for': '1m', severity: 'warning' },
      VB365JobNoRecentSuccess: { 'for': '10m', severity: 'critical' },
      VB365JobRunningTooLong: { 'for': '5m', severity: 'warning' },
      VB365JobDisabled: { 'for': '12h', severity: 'warning' },
      VB365JobMissedSchedule: { 'for': '10m', severity: 'warning' },
      VB365RepositoryLowSpace: { 'for': '15m', severity: 'warning' },
      VB365RepositoryCriticalSpace: { 'for': '5m', severity: 'critical' },
      VB365RepositoryFullSoon: { 'for': '1h', severity: 'warning' },
      VB365ProxyOffline: { 'for': '5m', severity: 'critical' },
      VB365LicenseExpired: { 'for': '1m', severity: 'critical' },
      VB365LicenseExpiringSoon: { 'for': '1h', severity: 'warning' },
      VB365LicenseNearCapacity: { 'for': '15m', severity: 'warning' },
      VB365LicenseUsersExceeded: { 'for': '15m', severity: 'critical' },
      VB365OrganizationNoRecentBackup: { 'for': '10m', severity: 'critical' },
      VB365OrganizationNeverBackedUp: { 'for': '26h', severity: 'critical' },
      VB365OrganizationSyncFailed: { 'for': '1m', severity: 'warning' },
      VB365RestoreFailed: { 'for': null, severity: 'warning' },
      VB365ServerUnhealthy: { 'for': '5m', severity: 'critical' },
      VB365CollectorFailing: { 'for': '15m', severity: 'warning' },
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
