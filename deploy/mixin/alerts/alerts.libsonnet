// Alerting rules. Conventions:
// - Per-job alerts carry the labels server, job_id, job_name (from the
//   exporter) and severity (critical | warning), and summary/description
//   annotations naming the server and the job.
// - The exporter refreshes in the background (default every 60s), so a
//   status is a fact, not a noisy measurement: `for:` windows are short on
//   status alerts and long where a condition must persist to matter.
// - `for:` and severity come from _config.alerts; thresholds from _config.
local text = import '../lib/text.libsonnet';

{
  prometheusAlerts+:: {
    local cfg = $._config,
    // One alert: `for` and severity from cfg.alerts[name].
    local alert(name, expr, summary, description) =
      local c = cfg.alerts[name];
      { alert: name, expr: expr }
      + (if c['for'] != null then { 'for': c['for'] } else {})
      + {
        labels: { severity: c.severity },
        annotations: { summary: summary, description: description },
      },
    local forText(name) = text.duration(cfg.alerts[name]['for']),

    groups+: [
      {
        name: 'vb365.exporter',
        rules: [
          alert(
            'VB365ExporterDown',
            'up{%(exporterSelector)s} == 0' % cfg,
            'vb365_exporter {{ $labels.instance }} is down',
            'Prometheus cannot scrape the VB365 exporter {{ $labels.instance }} '
            + '(scrape job {{ $labels.job }}) for %s: no backup job of the ' % forText('VB365ExporterDown')
            + 'servers it watches is monitored.'
          ),
          alert(
            'VB365ExporterTargetMissing',
            'absent(up{%(exporterSelector)s})' % cfg,
            'No vb365_exporter target is being scraped',
            'Prometheus has no scrape target for the VB365 exporter (no up{%s} ' % cfg.exporterSelector
            + 'series) for %s: the service discovery or the scrape ' % forText('VB365ExporterTargetMissing')
            + 'configuration lost it, and no VB365 server or job is monitored.'
          ),
          alert(
            'VB365ExporterRefreshStale',
            |||
              (time() - vb365_refresh_last_success_timestamp_seconds > %(refreshStaleSeconds)d)
              unless on (server) vb365_up == 0
            ||| % cfg,
            'VB365 server {{ $labels.server }}: data not refreshed for {{ $value | humanizeDuration }}',
            'vb365_exporter {{ $labels.instance }} last refreshed server '
            + '{{ $labels.server }} {{ $value | humanizeDuration }} ago although the '
            + 'server counts as up: the background refresh is stuck, so the job '
            + 'metrics of {{ $labels.server }} are stale.'
          ),
        ],
      },
      {
        name: 'vb365.server',
        rules: [
          alert(
            'VB365ServerDown',
            'vb365_up == 0',
            'VB365 server {{ $labels.server }} is unreachable',
            'vb365_exporter {{ $labels.instance }} could not log in to VB365 server '
            + '{{ $labels.server }} or read its job list for %s. Its jobs keep ' % forText('VB365ServerDown')
            + 'their last known values; check the server, the network, TLS and the '
            + "credentials (see the exporter's log)."
          ),
          alert(
            'VB365AuthenticationFailing',
            'rate(vb365_auth_failures_total[%(authFailureWindow)s]) > 0' % cfg,
            'VB365 server {{ $labels.server }}: authentication failing',
            'Logins of vb365_exporter {{ $labels.instance }} to VB365 server '
            + '{{ $labels.server }} have been failing for %s ' % forText('VB365AuthenticationFailing')
            + '({{ $value | humanize }} failures/s). The password may have expired or '
            + 'the account been locked; repeated failures can also hit the token '
            + "endpoint's throttling."
          ),
          alert(
            'VB365ApiErrors',
            |||
              (
                  sum by (server) (rate(vb365_api_requests_total{code!~"2.."}[%(apiErrorWindow)s]))
                /
                  sum by (server) (rate(vb365_api_requests_total[%(apiErrorWindow)s]))
              ) > %(apiErrorRatio)g
            ||| % cfg,
            'VB365 server {{ $labels.server }}: {{ $value | humanizePercentage }} of API requests fail',
            '{{ $value | humanizePercentage }} of the REST API requests to VB365 '
            + 'server {{ $labels.server }} returned an HTTP error or failed in transport '
            + 'for %s. See vb365_api_requests_total by endpoint and code.' % forText('VB365ApiErrors')
          ),
          alert(
            'VB365ApiParseErrors',
            'increase(vb365_parse_errors_total[%(parseErrorWindow)s]) > 0' % cfg,
            'VB365 server {{ $labels.server }}: unreadable {{ $labels.endpoint }} responses',
            'vb365_exporter {{ $labels.instance }} could not parse responses of '
            + 'endpoint {{ $labels.endpoint }} from VB365 server {{ $labels.server }} in '
            + 'the last %s. The affected jobs keep their last good values; the ' % text.duration(cfg.parseErrorWindow)
            + "exporter's log names the request."
          ),
        ],
      },
      {
        name: 'vb365.jobs',
        rules: [
          // The last FINISHED session decides (the exporter never lets a
          // running session hide it): a running session, retry or next run,
          // neither fires nor clears the alert; the next Success clears it.
          // Suspending the alert while a session runs would make it flap at
          // every run of a job that is scheduled often, and hide a failure for
          // as long as a long job runs.
          alert(
            'VB365JobFailed',
            'vb365_job_last_session_status{status="Failed"} == 1',
            'VB365 job {{ $labels.job_name }} on {{ $labels.server }} failed',
            'The last session of backup job {{ $labels.job_name }} (id '
            + '{{ $labels.job_id }}) on VB365 server {{ $labels.server }} ended with '
            + 'status Failed. The alert clears when a session of the job succeeds.'
          ),
          alert(
            'VB365JobWarning',
            'vb365_job_last_session_status{status="Warning"} == 1',
            'VB365 job {{ $labels.job_name }} on {{ $labels.server }} ended with a warning',
            'The last session of backup job {{ $labels.job_name }} (id '
            + '{{ $labels.job_id }}) on VB365 server {{ $labels.server }} ended with '
            + 'status Warning: some objects were not backed up. The alert clears when '
            + 'a session of the job succeeds.'
          ),
          alert(
            'VB365JobNoRecentSuccess',
            |||
              (
                  time() - vb365:job_last_backup_timestamp_seconds
                > on (server, job_id, job_name)
                  vb365:job_max_backup_age_seconds
              )
              unless on (server, job_id, job_name) vb365_job_enabled == 0
            |||,
            'VB365 job {{ $labels.job_name }} on {{ $labels.server }}: no successful backup for {{ $value | humanizeDuration }}',
            'Backup job {{ $labels.job_name }} (id {{ $labels.job_id }}) on VB365 '
            + 'server {{ $labels.server }} has not finished a Success or Warning session '
            + 'for {{ $value | humanizeDuration }}, longer than its threshold (%d h by ' % cfg.defaultMaxBackupAgeHours
            + 'default, see vb365:job_max_backup_age_seconds:override).'
          ),
          alert(
            'VB365JobRunningTooLong',
            |||
              time() - vb365_job_running_session_start_timestamp_seconds
              > on (server, job_id, job_name)
              (%(runningTooLongFactor)g * vb365:job_session_duration_seconds:p90_7d + %(runningTooLongMarginSeconds)d)
            ||| % cfg,
            'VB365 job {{ $labels.job_name }} on {{ $labels.server }} is running for {{ $value | humanizeDuration }}',
            'The running session of backup job {{ $labels.job_name }} (id '
            + '{{ $labels.job_id }}) on VB365 server {{ $labels.server }} started '
            + '{{ $value | humanizeDuration }} ago, more than %s its typical ' % text.times(cfg.runningTooLongFactor)
            + 'duration (90th percentile over 7 days) plus %s. It may hang.' % text.seconds(cfg.runningTooLongMarginSeconds)
          ),
          alert(
            'VB365JobDisabled',
            'vb365_job_enabled == 0',
            'VB365 job {{ $labels.job_name }} on {{ $labels.server }} is disabled',
            'Backup job {{ $labels.job_name }} (id {{ $labels.job_id }}) on VB365 '
            + 'server {{ $labels.server }} has been disabled for more than %s, so ' % forText('VB365JobDisabled')
            + 'it backs nothing up. Enable it or delete it.'
          ),
          alert(
            'VB365JobMissedSchedule',
            |||
              (time() - vb365_job_next_run_timestamp_seconds > %(missedScheduleMarginSeconds)d)
              unless on (server, job_id, job_name) vb365_job_running == 1
              unless on (server, job_id, job_name) vb365_job_enabled == 0
            ||| % cfg,
            'VB365 job {{ $labels.job_name }} on {{ $labels.server }} did not start on schedule',
            'Backup job {{ $labels.job_name }} (id {{ $labels.job_id }}) on VB365 '
            + 'server {{ $labels.server }} was scheduled to run '
            + '{{ $value | humanizeDuration }} ago and has not started. Check the '
            + 'Veeam services and the proxy.'
          ),
        ],
      },
    ],
  },
}
