// Recording rules. The alerts (alerts/alerts.libsonnet) and dashboards may
// use them; vb365:job_max_backup_age_seconds:override is defined by the user
// (deploy/prometheus/vb365_overrides.example.yml).
{
  prometheusRules+:: {
    local cfg = $._config,
    groups+: [
      {
        name: 'vb365.records',
        rules: [
          // End of the latest session that produced a restore point: Success
          // or Warning (a Warning session still backed up; it has its own
          // alert), or the API's lastBackup (v7+). 0 when the job never
          // succeeded in the exporter's session_history window.
          {
            record: 'vb365:job_last_backup_timestamp_seconds',
            expr: |||
              max by (server, job_id, job_name) (
                  vb365_job_last_status_timestamp_seconds{status=~"Success|Warning"}
                or
                  vb365_job_last_backup_timestamp_seconds
              )
            |||,
          },
          {
            record: 'vb365:job_last_backup_age_seconds',
            expr: 'time() - vb365:job_last_backup_timestamp_seconds',
          },
          // The threshold for VB365JobNoRecentSuccess, one series per job: the
          // override where one exists, else defaultMaxBackupAgeHours.
          {
            record: 'vb365:job_max_backup_age_seconds',
            expr: |||
              (
                  0 * group by (server, job_id, job_name) (vb365_job_info)
                + on (server, job_name) group_left
                  max by (server, job_name) (vb365:job_max_backup_age_seconds:override)
              )
              or
              (0 * group by (server, job_id, job_name) (vb365_job_info) + %(defaultMaxBackupAgeHours)d * 3600)
            ||| % cfg,
          },
          // How long the running session has been running (absent when idle).
          {
            record: 'vb365:job_running_session_age_seconds',
            expr: 'time() - vb365_job_running_session_start_timestamp_seconds',
          },
          // Jobs per server and last status, for dashboards.
          {
            record: 'vb365:server_jobs_by_last_status:count',
            expr: 'sum by (server, status) (vb365_job_last_session_status)',
          },
          // Free share of each repository, 0 to 1: local repositories free /
          // capacity, object storage with a size limit 1 - used / limit
          // (object storage without a limit has none). For the repository
          // space alerts and the dashboard.
          {
            record: 'vb365:repository_free_ratio',
            expr: |||
              (vb365_repository_free_bytes / vb365_repository_capacity_bytes)
              or
              (1 - vb365_repository_object_storage_used_bytes / vb365_repository_object_storage_limit_bytes)
            |||,
          },
        ],
      },
      // A week of samples per job: evaluated every slowRulesInterval (2m), not
      // at every evaluation, to keep the cost of many jobs low (it changes
      // slowly; under the 5m lookback so the series has no gaps).
      {
        name: 'vb365.records.slow',
        interval: cfg.slowRulesInterval,
        rules: [
          // Typical duration of a job's sessions: the 90th percentile over a
          // week of the last finished session's duration (sampled at every
          // scrape, so a time-weighted percentile; a single slow run does not
          // move it).
          {
            record: 'vb365:job_session_duration_seconds:p90_7d',
            expr: |||
              quantile_over_time(0.9, vb365_job_last_session_duration_seconds[7d])
            |||,
          },
        ],
      },
    ],
  },
}
