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
          // Copy jobs (vb365_job_info{job_type="Copy"}) have their own
          // alert: the backup itself is there, its second copy is not.
          alert(
            'VB365JobFailed',
            |||
              vb365_job_last_session_status{status="Failed"} == 1
              unless on (server, job_id) vb365_job_info{job_type="Copy"}
            |||,
            'VB365 job {{ $labels.job_name }} on {{ $labels.server }} failed',
            'The last session of backup job {{ $labels.job_name }} (id '
            + '{{ $labels.job_id }}) on VB365 server {{ $labels.server }} ended with '
            + 'status Failed. The alert clears when a session of the job succeeds.'
          ),
          // backup_job_id (from vb365_job_info) names the backup job whose
          // restore points were not copied.
          alert(
            'VB365CopyJobFailed',
            |||
              (vb365_job_last_session_status{status="Failed"} == 1)
              * on (server, job_id) group_left (backup_job_id)
                vb365_job_info{job_type="Copy"}
            |||,
            'VB365 copy job {{ $labels.job_name }} on {{ $labels.server }} failed',
            'The last session of backup copy job {{ $labels.job_name }} (id '
            + '{{ $labels.job_id }}) on VB365 server {{ $labels.server }} ended with '
            + 'status Failed: the restore points of backup job {{ $labels.backup_job_id }} '
            + 'were not copied to the copy repository, so the second copy (offsite, '
            + 'archive) falls behind. The backups themselves are not affected. The '
            + 'alert clears when a session of the copy job succeeds.'
          ),
          // The alerts below cover backup and copy jobs alike (job_type in
          // vb365_job_info tells them apart): their texts say "job".
          alert(
            'VB365JobWarning',
            'vb365_job_last_session_status{status="Warning"} == 1',
            'VB365 job {{ $labels.job_name }} on {{ $labels.server }} ended with a warning',
            'The last session of job {{ $labels.job_name }} (id '
            + '{{ $labels.job_id }}) on VB365 server {{ $labels.server }} ended with '
            + 'status Warning: some objects were not backed up (or copied, for a copy job). '
            + 'The alert clears when '
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
            'Job {{ $labels.job_name }} (id {{ $labels.job_id }}) on VB365 '
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
            'The running session of job {{ $labels.job_name }} (id '
            + '{{ $labels.job_id }}) on VB365 server {{ $labels.server }} started '
            + '{{ $value | humanizeDuration }} ago, more than %s its typical ' % text.times(cfg.runningTooLongFactor)
            + 'duration (90th percentile over 7 days) plus %s. It may hang.' % text.seconds(cfg.runningTooLongMarginSeconds)
          ),
          alert(
            'VB365JobDisabled',
            'vb365_job_enabled == 0',
            'VB365 job {{ $labels.job_name }} on {{ $labels.server }} is disabled',
            'Job {{ $labels.job_name }} (id {{ $labels.job_id }}) on VB365 '
            + 'server {{ $labels.server }} has been disabled for more than %s, so ' % forText('VB365JobDisabled')
            + 'it does not run (no backup, or no copy for a copy job). Enable it or delete it.'
          ),
          alert(
            'VB365JobMissedSchedule',
            |||
              (time() - vb365_job_next_run_timestamp_seconds > %(missedScheduleMarginSeconds)d)
              unless on (server, job_id, job_name) vb365_job_running == 1
              unless on (server, job_id, job_name) vb365_job_enabled == 0
            ||| % cfg,
            'VB365 job {{ $labels.job_name }} on {{ $labels.server }} did not start on schedule',
            'Job {{ $labels.job_name }} (id {{ $labels.job_id }}) on VB365 '
            + 'server {{ $labels.server }} was scheduled to run '
            + '{{ $value | humanizeDuration }} ago and has not started. Check the '
            + 'Veeam services and the proxy.'
          ),
        ],
      },
      {
        name: 'vb365.resources',
        rules: [
          alert(
            'VB365RepositoryLowSpace',
            'vb365:repository_free_ratio < %(repositoryFreeWarningRatio)g' % cfg,
            'VB365 repository {{ $labels.repository_name }} on {{ $labels.server }}: {{ $value | humanizePercentage }} free',
            'Backup repository {{ $labels.repository_name }} (id {{ $labels.repository_id }}) '
            + 'on VB365 server {{ $labels.server }} has only {{ $value | humanizePercentage }} '
            + 'of its space free (threshold %s). Extend it, move data or ' % text.percent(cfg.repositoryFreeWarningRatio)
            + 'shorten the retention before backups to it fail.'
          ),
          alert(
            'VB365RepositoryCriticalSpace',
            'vb365:repository_free_ratio < %(repositoryFreeCriticalRatio)g' % cfg,
            'VB365 repository {{ $labels.repository_name }} on {{ $labels.server }} is almost full: {{ $value | humanizePercentage }} free',
            'Backup repository {{ $labels.repository_name }} (id {{ $labels.repository_id }}) '
            + 'on VB365 server {{ $labels.server }} has only {{ $value | humanizePercentage }} '
            + 'of its space free (threshold %s): backups to it are about to fail.' % text.percent(cfg.repositoryFreeCriticalRatio)
          ),
          // Local repositories by their free bytes, object storage with a
          // size limit by its used bytes against the limit.
          alert(
            'VB365RepositoryFullSoon',
            |||
              (predict_linear(vb365_repository_free_bytes[%(repositoryFullWindow)s], %(repositoryFullHorizonDays)d * 86400) < 0)
              or
              (
                  vb365_repository_object_storage_limit_bytes
                - predict_linear(vb365_repository_object_storage_used_bytes[%(repositoryFullWindow)s], %(repositoryFullHorizonDays)d * 86400)
                < 0
              )
            ||| % cfg,
            'VB365 repository {{ $labels.repository_name }} on {{ $labels.server }} fills up within %d days' % cfg.repositoryFullHorizonDays,
            'At the rate of the last %s, backup repository ' % text.duration(cfg.repositoryFullWindow)
            + '{{ $labels.repository_name }} (id {{ $labels.repository_id }}) on VB365 server '
            + '{{ $labels.server }} runs out of space within %d days ' % cfg.repositoryFullHorizonDays
            + '(free space predicted then: {{ $value | humanize1024 }}B).'
          ),
          // A proxy in maintenance mode is taken out of service on purpose.
          alert(
            'VB365ProxyOffline',
            |||
              vb365_proxy_up == 0
              unless on (server, proxy_id, proxy_host) vb365_proxy_maintenance_state{state="Enabled"} == 1
            |||,
            'VB365 proxy {{ $labels.proxy_host }} on {{ $labels.server }} is offline',
            'Backup proxy {{ $labels.proxy_host }} (id {{ $labels.proxy_id }}) of VB365 server '
            + '{{ $labels.server }} has been offline for %s and is not in ' % forText('VB365ProxyOffline')
            + 'maintenance mode: the jobs it processes cannot run.'
          ),
          alert(
            'VB365LicenseExpired',
            'vb365_license_status{status="Expired"} == 1',
            'VB365 server {{ $labels.server }}: the license has expired',
            'The license of VB365 server {{ $labels.server }} has expired: '
            + 'backup jobs stop once its grace period ends. Install a new license.'
          ),
          alert(
            'VB365LicenseExpiringSoon',
            |||
              vb365_license_expiry_timestamp_seconds - time() < %(licenseExpiryWarningDays)d * 86400
              unless on (server) vb365_license_status{status="Expired"} == 1
            ||| % cfg,
            'VB365 server {{ $labels.server }}: the license expires in {{ $value | humanizeDuration }}',
            'The license of VB365 server {{ $labels.server }} expires in '
            + '{{ $value | humanizeDuration }} (less than %d days). ' % cfg.licenseExpiryWarningDays
            + 'Renew it before backups stop.'
          ),
          // A capacity of 0 would divide to +Inf: no such license is full.
          alert(
            'VB365LicenseNearCapacity',
            |||
              vb365_license_used_users / vb365_license_capacity_users > %(licenseUsedRatio)g
              and on (server) vb365_license_capacity_users > 0
            ||| % cfg,
            'VB365 server {{ $labels.server }}: {{ $value | humanizePercentage }} of the licensed users used',
            'VB365 server {{ $labels.server }} uses {{ $value | humanizePercentage }} of the '
            + 'users its license covers (threshold %s): new users will ' % text.percent(cfg.licenseUsedRatio)
            + 'exceed it. Extend the license or remove users.'
          ),
          alert(
            'VB365LicenseUsersExceeded',
            'sum by (server, organization_id, organization_name) (vb365_organization_licensed_users{state="Exceeded"}) > 0',
            'VB365 organization {{ $labels.organization_name }} on {{ $labels.server }}: {{ $value }} users beyond the license',
            '{{ $value }} users of organization {{ $labels.organization_name }} (id '
            + '{{ $labels.organization_id }}) on VB365 server {{ $labels.server }} have the '
            + 'license state Exceeded: the license has no room for them, so they are not '
            + 'protected. Extend the license or remove users.'
          ),
          alert(
            'VB365OrganizationNoRecentBackup',
            'time() - vb365_organization_last_backup_timestamp_seconds > %(organizationMaxBackupAgeHours)d * 3600' % cfg,
            'VB365 organization {{ $labels.organization_name }} on {{ $labels.server }}: no backup for {{ $value | humanizeDuration }}',
            'Organization {{ $labels.organization_name }} (id {{ $labels.organization_id }}) '
            + 'on VB365 server {{ $labels.server }} was last backed up {{ $value | humanizeDuration }} '
            + 'ago, longer than %d h. Check its backup jobs.' % cfg.organizationMaxBackupAgeHours
          ),
          // Never backed up (no lastBackuptime, so the alert above cannot
          // see it): fires once the organization has gone without its first
          // backup for as long as a backed-up one may go without its next.
          alert(
            'VB365OrganizationNeverBackedUp',
            'vb365_organization_backed_up == 0',
            'VB365 organization {{ $labels.organization_name }} on {{ $labels.server }} has never been backed up',
            'Organization {{ $labels.organization_name }} (id {{ $labels.organization_id }}) '
            + 'on VB365 server {{ $labels.server }} has had no backup at all for %s: ' % forText('VB365OrganizationNeverBackedUp')
            + 'no backup job covers it, or its jobs never ran. Add it to a backup job or '
            + 'remove the organization.'
          ),
          // The last finished sync decides, as for jobs: a running sync
          // neither fires nor clears the alert.
          alert(
            'VB365OrganizationSyncFailed',
            'vb365_organization_sync_result{result="Error"} == 1',
            'VB365 organization {{ $labels.organization_name }} on {{ $labels.server }}: sync failed',
            'The last synchronization of organization {{ $labels.organization_name }} (id '
            + '{{ $labels.organization_id }}) with Microsoft 365 on VB365 server '
            + '{{ $labels.server }} ended with an error: new users, groups or sites may '
            + 'be missing from its backups. The alert clears when a sync succeeds.'
          ),
          alert(
            'VB365RestoreFailed',
            'increase(vb365_restore_sessions_total{result="Failed"}[%(restoreFailedWindow)s]) > 0' % cfg,
            'VB365 server {{ $labels.server }}: a {{ $labels.type }} restore failed',
            '{{ $value | humanize }} {{ $labels.type }} restore sessions on VB365 server '
            + '{{ $labels.server }} ended with status Failed in the last %s. ' % text.duration(cfg.restoreFailedWindow)
            + 'See the restore sessions in the Veeam console.'
          ),
          alert(
            'VB365ServerUnhealthy',
            'vb365_server_healthy == 0',
            'VB365 server {{ $labels.server }} is unhealthy',
            'The health check (/Health) of VB365 server {{ $labels.server }} has reported '
            + 'the server not Healthy for %s. vb365_server_component_healthy ' % forText('VB365ServerUnhealthy')
            + 'names the failing component (NATS, PostgreSQL, ...).'
          ),
          // While the job listing fails (VB365ServerDown) no resource is read.
          alert(
            'VB365CollectorFailing',
            |||
              vb365_collector_success == 0
              unless on (server) vb365_up == 0
            |||,
            'VB365 server {{ $labels.server }}: collector {{ $labels.collector }} failing',
            'vb365_exporter {{ $labels.instance }} could not read the {{ $labels.collector }} '
            + 'of VB365 server {{ $labels.server }} for %s: its metrics keep ' % forText('VB365CollectorFailing')
            + "their last good values. See the exporter's log."
          ),
        ],
      },
    ],
  },
}
