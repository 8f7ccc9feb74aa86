// The overview dashboard: servers and jobs at a glance, the jobs table, job
// history, the exporter's own health and the server's resources (license,
// repositories, proxies, organizations, restores, health). Every query is filtered by the
// $server (and, for job metrics, $job_name) variables; it needs no recording
// rules (the alert count reads ALERTS).
local g = import 'lib.libsonnet';

function(cfg)
  // Label matchers of the variables: per-server and per-job metrics.
  local s = {
    server: 'server=~"$server"',
    job: 'server=~"$server", job_name=~"$job_name"',
    exporter: cfg.exporterSelector,
  };
  local q(expr) = expr % s;
  local perJob = '{{server}} / {{job_name}}';

  g.dashboard(
    cfg,
    'Backup jobs of Veeam Backup for Microsoft 365 servers, from vb365_exporter.',
    [
      g.queryVariable('server', 'Server', 'label_values(vb365_up, server)'),
      g.queryVariable('job_name', 'Job', q('label_values(vb365_job_info{%(server)s}, job_name)')),
    ],
    [
      g.row('Overview', 0),
      g.stat(
        'VB365 servers',
        'vb365_up per server: the last background refresh logged in and read the job list.',
        g.grid(0, 1, 6, 4),
        [g.target('A', q('vb365_up{%(server)s}'), '{{server}}', instant=true)],
        [['red', null], ['green', 1]],
        'background',
        mappings=g.valueMappings([
          ['1', { text: 'up', color: 'green' }],
          ['0', { text: 'DOWN', color: 'red' }],
        ]),
      ),
      g.stat(
        'Jobs by last session status',
        'Number of jobs whose last finished session ended with each status.',
        g.grid(6, 1, 10, 4),
        [g.target('A', q('sum by (status) (vb365_job_last_session_status{%(job)s})'), '{{status}}', instant=true)],
        [['text', null]],
        'none',
      ),
      g.stat(
        'Jobs running',
        'Jobs with a session Running or Queued now.',
        g.grid(16, 1, 4, 4),
        [g.target('A', q('sum(vb365_job_running{%(job)s})'), 'running', instant=true)],
        [['blue', null]],
        'value',
      ),
      g.stat(
        'Firing VB365 alerts',
        'Alerts of vb365_rules.yml firing now (see Prometheus /alerts).',
        g.grid(20, 1, 4, 4),
        [g.target(
          'A',
          q('count(ALERTS{alertname=~"VB365.*", alertstate="firing", %(server)s}) or vector(0)'),
          'firing',
          instant=true,
        )],
        [['green', null], ['red', 1]],
        'background',
      ),
      g.table(
        'Jobs',
        'One row per job: its last finished session (status, age, duration, volume, speed, '
        + 'bottleneck) and the age of its last Success session. Values come from the '
        + "exporter's last background refresh.",
        g.grid(0, 5, 24, 14),
        [
          g.tableTarget('A', q('max by (server, job_id, job_name, status) (vb365_job_last_session_status{%(job)s} == 1)')),
          g.tableTarget('B', q('max by (server, job_id, job_name) (time() - (vb365_job_last_status_timestamp_seconds{status="Success", %(job)s} > 0))')),
          g.tableTarget('C', q('max by (server, job_id, job_name) (vb365_job_last_session_duration_seconds{%(job)s})')),
          g.tableTarget('D', q('max by (server, job_id, job_name) (vb365_job_last_session_transferred_bytes{%(job)s})')),
          g.tableTarget('E', q('max by (server, job_id, job_name) (vb365_job_last_session_processing_rate_bytes_per_second{%(job)s})')),
          g.tableTarget('F', q('max by (server, job_id, job_name) (vb365_job_last_session_processing_rate_items_per_second{%(job)s})')),
          g.tableTarget('G', q('max by (server, job_id, job_name) (vb365_job_last_session_read_rate_bytes_per_second{%(job)s})')),
          g.tableTarget('H', q('max by (server, job_id, job_name) (vb365_job_last_session_write_rate_bytes_per_second{%(job)s})')),
          g.tableTarget('I', q('max by (server, job_id, job_name, bottleneck) (vb365_job_last_session_bottleneck{%(job)s} == 1)')),
          g.tableTarget('J', q('max by (server, job_id, job_name) (time() - vb365_job_last_session_end_timestamp_seconds{%(job)s})')),
          g.tableTarget('K', q('max by (server, job_id, job_name) (vb365_job_running{%(job)s})')),
          g.tableTarget('L', q('max by (server, job_id, job_name) (vb365_job_enabled{%(job)s})')),
          g.tableTarget('M', q('max by (server, job_id, job_name) (vb365_job_next_run_timestamp_seconds{%(job)s} * 1000)')),
        ],
        [
          { id: 'merge', options: {} },
          {
            id: 'organize',
            options: {
              excludeByName: { Time: true, job_id: true, 'Value #A': true, 'Value #I': true },
              indexByName: {
                server: 0,
                job_name: 1,
                status: 2,
                'Value #B': 3,
                'Value #J': 4,
                'Value #C': 5,
                'Value #D': 6,
                'Value #E': 7,
                'Value #F': 8,
                'Value #G': 9,
                'Value #H': 10,
                bottleneck: 11,
                'Value #K': 12,
                'Value #L': 13,
                'Value #M': 14,
              },
              renameByName: {
                'Value #B': 'Last success',
                'Value #C': 'Duration',
                'Value #D': 'Transferred',
                'Value #E': 'Processing rate',
                'Value #F': 'Items/s',
                'Value #G': 'Read rate',
                'Value #H': 'Write rate',
                'Value #J': 'Last run',
                'Value #K': 'Running',
                'Value #L': 'Enabled',
                'Value #M': 'Next run',
                server: 'Server',
                job_name: 'Job',
                status: 'Last status',
                bottleneck: 'Bottleneck',
              },
            },
          },
        ],
        {
          defaults: { custom: { align: 'auto', filterable: true, displayMode: 'auto' } },
          overrides: [
            g.byName('Last status', [
              ['mappings', g.valueMappings([
                ['Success', { color: 'green' }],
                ['Warning', { color: 'orange' }],
                ['Failed', { color: 'red' }],
                ['Stopped', { color: 'blue' }],
                ['Disconnected', { color: 'purple' }],
                ['NotConfigured', { color: 'purple' }],
                ['Unknown', { color: 'text' }],
              ])],
              ['custom.displayMode', 'color-background'],
            ]),
            // Orange after a day, red past the default backup-age threshold.
            g.byName('Last success', [
              ['unit', 's'],
              ['custom.displayMode', 'color-text'],
              ['thresholds', g.thresholdSteps([
                ['green', null],
                ['orange', cfg.dashboardBackupAgeWarningSeconds],
                ['red', cfg.defaultMaxBackupAgeHours * 3600],
              ])],
            ]),
            g.byName('Last run', [['unit', 's'], ['displayName', 'Last run (ago)']]),
            g.byName('Duration', [['unit', 's']]),
            g.byName('Transferred', [['unit', 'bytes']]),
            g.byName('Processing rate', [['unit', 'Bps']]),
            g.byName('Read rate', [['unit', 'Bps']]),
            g.byName('Write rate', [['unit', 'Bps']]),
            g.byName('Items/s', [['unit', 'short']]),
            g.byName('Running', [['mappings', g.valueMappings([
              ['1', { text: 'yes', color: 'blue' }],
              ['0', { text: 'no', color: 'text' }],
            ])]]),
            g.byName('Enabled', [
              ['mappings', g.valueMappings([
                ['1', { text: 'yes', color: 'text' }],
                ['0', { text: 'DISABLED', color: 'orange' }],
              ])],
              ['custom.displayMode', 'color-text'],
            ]),
            g.byName('Next run', [['unit', 'dateTimeFromNow']]),
          ],
        },
        {
          showHeader: true,
          cellHeight: 'sm',
          footer: { show: false },
          sortBy: [{ displayName: 'Last status', desc: false }],
        },
      ),

      g.row('Job history', 19),
      {
        type: 'state-timeline',
        title: 'Last session status',
        datasource: { type: 'prometheus', uid: '${datasource}' },
        description: "Status of each job's last finished session over time.",
        gridPos: g.grid(0, 20, 24, 10),
        // 1 Success, 2 Warning, 3 Failed, 4 any other status.
        targets: [g.target(
          'A',
          q('sum by (server, job_id, job_name) ('
            + 'vb365_job_last_session_status{status="Success", %(job)s} * 1'
            + ' or vb365_job_last_session_status{status="Warning", %(job)s} * 2'
            + ' or vb365_job_last_session_status{status="Failed", %(job)s} * 3'
            + ' or vb365_job_last_session_status{status!~"Success|Warning|Failed", %(job)s} * 4)'),
          perJob,
        )],
        fieldConfig: {
          defaults: {
            mappings: g.valueMappings([
              ['1', { text: 'Success', color: 'green' }],
              ['2', { text: 'Warning', color: 'orange' }],
              ['3', { text: 'Failed', color: 'red' }],
              ['4', { text: 'Other (Stopped, ...)', color: 'blue' }],
            ]),
            color: { mode: 'thresholds' },
            thresholds: g.thresholdSteps([['text', null]]),
            custom: { fillOpacity: 80, lineWidth: 0 },
          },
          overrides: [],
        },
        options: {
          showValue: 'never',
          mergeValues: true,
          rowHeight: 0.9,
          alignValue: 'left',
          legend: { showLegend: true, displayMode: 'list', placement: 'bottom' },
        },
      },
      g.timeseries(
        'Session duration',
        "Duration of each job's last finished session.",
        's',
        g.grid(0, 30, 12, 8),
        [g.target('A', q('vb365_job_last_session_duration_seconds{%(job)s}'), perJob)],
      ),
      g.timeseries(
        'Data transferred per session',
        "Bytes transferred by each job's last finished session.",
        'bytes',
        g.grid(12, 30, 12, 8),
        [g.target('A', q('vb365_job_last_session_transferred_bytes{%(job)s}'), perJob)],
      ),
      g.timeseries(
        'Processing rate',
        "Processing rate of each job's last finished session.",
        'Bps',
        g.grid(0, 38, 12, 8),
        [g.target('A', q('vb365_job_last_session_processing_rate_bytes_per_second{%(job)s}'), perJob)],
      ),
      g.timeseries(
        'Running sessions: objects processed',
        'Objects processed so far by the running session of each job.',
        'short',
        g.grid(12, 38, 12, 8),
        [g.target('A', q('vb365_job_running_session_progress{%(job)s}'), perJob)],
      ),
      g.timeseries(
        'Sessions finished per hour',
        'Sessions that finished while the exporter watched, per hour and status (all selected jobs).',
        'short',
        g.grid(0, 46, 12, 8),
        [g.target(
          'A',
          q('sum by (server, status) (increase(vb365_job_sessions_total{%(job)s}[1h]))'),
          '{{server}} {{status}}',
          interval='1h',
        )],
        bars=true,
      ),
      g.timeseries(
        'Data transferred per hour',
        'Bytes transferred by sessions that finished while the exporter watched, per hour.',
        'bytes',
        g.grid(12, 46, 12, 8),
        [g.target(
          'A',
          q('sum by (server, job_name) (increase(vb365_job_transferred_bytes_total{%(job)s}[1h]))'),
          perJob,
          interval='1h',
        )],
        bars=true,
      ),

      g.row('Exporter health', 54),
      g.timeseries(
        'Server up',
        '1 when the last refresh logged in and read the job list.',
        'short',
        g.grid(0, 55, 8, 8),
        [g.target('A', q('vb365_up{%(server)s}'), '{{server}}')],
      ),
      g.timeseries(
        'Refresh duration',
        'Wall time of the last background refresh of each server.',
        's',
        g.grid(8, 55, 8, 8),
        [g.target('A', q('vb365_refresh_duration_seconds{%(server)s}'), '{{server}}')],
      ),
      g.timeseries(
        'Time since last successful refresh',
        'Grows when refreshes fail or hang.',
        's',
        g.grid(16, 55, 8, 8),
        [g.target('A', q('time() - (vb365_refresh_last_success_timestamp_seconds{%(server)s} > 0)'), '{{server}}')],
      ),
      g.timeseries(
        'API requests',
        'REST API requests per second by endpoint and HTTP status (error = transport failure).',
        'reqps',
        g.grid(0, 63, 8, 8),
        [g.target(
          'A',
          q('sum by (server, endpoint, code) (rate(vb365_api_requests_total{%(server)s}[$__rate_interval]))'),
          '{{server}} {{endpoint}} {{code}}',
        )],
      ),
      g.timeseries(
        'API latency (p95)',
        '95th percentile of REST API request durations by endpoint.',
        's',
        g.grid(8, 63, 8, 8),
        [g.target(
          'A',
          q('histogram_quantile(0.95, sum by (server, endpoint, le) '
            + '(rate(vb365_api_request_duration_seconds_bucket{%(server)s}[$__rate_interval])))'),
          '{{server}} {{endpoint}}',
        )],
      ),
      g.timeseries(
        'API response volume',
        'Bytes per second received from the REST API by endpoint.',
        'Bps',
        g.grid(16, 63, 8, 8),
        [g.target(
          'A',
          q('sum by (server, endpoint) (rate(vb365_api_response_bytes_total{%(server)s}[$__rate_interval]))'),
          '{{server}} {{endpoint}}',
        )],
      ),
      g.timeseries(
        'Logins',
        'Token requests by grant (password logins should be rare: the token is cached and refreshed).',
        'short',
        g.grid(0, 71, 8, 8),
        [
          g.target(
            'A',
            q('sum by (server, grant) (increase(vb365_auth_requests_total{%(server)s}[$__rate_interval]))'),
            '{{server}} {{grant}}',
          ),
          g.target(
            'B',
            q('sum by (server) (increase(vb365_auth_failures_total{%(server)s}[$__rate_interval]))'),
            '{{server}} failures',
          ),
        ],
      ),
      g.timeseries(
        'Errors',
        'Refreshes that failed and responses that could not be parsed (0 when none).',
        'short',
        g.grid(8, 71, 8, 8),
        [
          g.target(
            'A',
            q('sum by (server) (increase(vb365_refresh_failures_total{%(server)s}[$__rate_interval]))'),
            '{{server}} refresh failures',
          ),
          // "or 0" per server, so the panel shows a flat line when all is well.
          g.target(
            'B',
            q('sum by (server) (increase(vb365_parse_errors_total{%(server)s}[$__rate_interval]))'
              + ' or sum by (server) (0 * vb365_up{%(server)s})'),
            '{{server}} parse errors',
          ),
        ],
      ),
      g.timeseries(
        'Scrape',
        'How long Prometheus takes to scrape the exporter (it answers from memory).',
        's',
        g.grid(16, 71, 8, 8),
        [
          g.target('A', q('scrape_duration_seconds{%(exporter)s}'), '{{instance}} scrape duration'),
          g.target('B', q('up{%(exporter)s}'), '{{instance}} up'),
        ],
      ),
      g.table(
        'Servers',
        'Each VB365 server: product version, API version in use, jobs exported; '
        + "and the exporter's build.",
        g.grid(0, 79, 24, 6),
        [
          g.tableTarget('A', q('max by (server, version, api_version) (vb365_server_info{%(server)s})')),
          g.tableTarget('B', q('max by (server) (vb365_jobs{%(server)s})')),
          g.tableTarget('C', 'max by (instance, version, revision) (vb365_exporter_build_info)'),
        ],
        [
          { id: 'merge', options: {} },
          {
            id: 'organize',
            options: {
              excludeByName: { Time: true, 'Value #A': true, 'Value #C': true },
              renameByName: {
                'Value #B': 'Jobs',
                server: 'Server',
                version: 'Version',
                api_version: 'API',
                instance: 'Exporter',
                revision: 'Revision',
              },
            },
          },
        ],
        { defaults: { custom: { align: 'auto' } }, overrides: [] },
        { showHeader: true, footer: { show: false } },
      ),

      // Resources beyond jobs (issue 9): one row each.
      g.row('License', 85),
      g.stat(
        'License status',
        "vb365_license_status: the state of each server's license (Valid, Expired).",
        g.grid(0, 86, 6, 6),
        [g.target('A', q('vb365_license_status{%(server)s} == 1'), '{{server}}: {{status}}', instant=true)],
        [['green', null]],
        'value',
      ),
      g.stat(
        'License expires in (days)',
        'Days until licenseExpires (negative: expired). Orange within 30 days.',
        g.grid(6, 86, 6, 6),
        [g.target('A', q('(vb365_license_expiry_timestamp_seconds{%(server)s} - time()) / 86400'), '{{server}}', instant=true)],
        [['red', null], ['orange', 0], ['green', 30]],
        'background',
      ),
      g.timeseries(
        'Licensed users',
        'Users the license covers (capacity), uses and new users, per server.',
        'short',
        g.grid(12, 86, 12, 6),
        [
          g.target('A', q('vb365_license_capacity_users{%(server)s}'), '{{server}} capacity'),
          g.target('B', q('vb365_license_used_users{%(server)s}'), '{{server}} used'),
          g.target('C', q('vb365_license_new_users{%(server)s}'), '{{server}} new'),
        ],
      ),

      g.row('Repositories', 92),
      g.timeseries(
        'Repository free space',
        'Free share of each repository: local free / capacity; object storage with a size '
        + 'limit 1 - used / limit (the alerts warn below 10% and 5%).',
        'percentunit',
        g.grid(0, 93, 12, 8),
        [g.target(
          'A',
          q('(vb365_repository_free_bytes{%(server)s} / vb365_repository_capacity_bytes{%(server)s})'
            + ' or (1 - vb365_repository_object_storage_used_bytes{%(server)s}'
            + ' / vb365_repository_object_storage_limit_bytes{%(server)s})'),
          '{{server}} / {{repository_name}}',
        )],
      ),
      g.timeseries(
        'Repository used and free',
        'Bytes used and free of each local repository, and used of each object storage repository.',
        'bytes',
        g.grid(12, 93, 12, 8),
        [
          g.target(
            'A',
            q('(vb365_repository_capacity_bytes{%(server)s} - vb365_repository_free_bytes{%(server)s})'
              + ' or vb365_repository_object_storage_used_bytes{%(server)s}'),
            '{{server}} / {{repository_name}} used',
          ),
          g.target('B', q('vb365_repository_free_bytes{%(server)s}'), '{{server}} / {{repository_name}} free'),
        ],
      ),

      g.row('Proxies', 101),
      g.stat(
        'Proxies',
        'vb365_proxy_up: each backup proxy online or offline.',
        g.grid(0, 102, 8, 6),
        [g.target('A', q('vb365_proxy_up{%(server)s}'), '{{server}} / {{proxy_host}}', instant=true)],
        [['red', null], ['green', 1]],
        'background',
        mappings=g.valueMappings([
          ['1', { text: 'online', color: 'green' }],
          ['0', { text: 'OFFLINE', color: 'red' }],
        ]),
      ),
      g.stat(
        'Proxies in maintenance',
        'Proxies whose maintenance mode is not Disabled (v8).',
        g.grid(8, 102, 4, 6),
        [g.target(
          'A',
          q('count by (server) (vb365_proxy_maintenance_state{state!="Disabled", %(server)s} == 1)'
            + ' or sum by (server) (0 * vb365_up{%(server)s})'),
          '{{server}}',
          instant=true,
        )],
        [['text', null], ['orange', 1]],
        'value',
      ),
      g.timeseries(
        'Proxy CPU and memory',
        'CPU and memory usage of each online proxy (v8).',
        'percentunit',
        g.grid(12, 102, 12, 6),
        [
          g.target('A', q('vb365_proxy_cpu_usage_ratio{%(server)s}'), '{{server}} / {{proxy_host}} CPU'),
          g.target('B', q('vb365_proxy_memory_usage_ratio{%(server)s}'), '{{server}} / {{proxy_host}} memory'),
        ],
      ),

      g.row('Organizations', 108),
      g.timeseries(
        'Time since the last backup',
        'Per organization: age of its last backup (lastBackuptime; the alert fires after %d h).'
        % cfg.organizationMaxBackupAgeHours,
        's',
        g.grid(0, 109, 12, 8),
        [g.target(
          'A',
          q('time() - vb365_organization_last_backup_timestamp_seconds{%(server)s}'),
          '{{server}} / {{organization_name}}',
        )],
      ),
      g.stat(
        'Last sync',
        'Result of the last synchronization of each organization with Microsoft 365 (v7+).',
        g.grid(12, 109, 6, 8),
        [g.target(
          'A',
          q('vb365_organization_sync_result{%(server)s} == 1'),
          '{{server}} / {{organization_name}}: {{result}}',
          instant=true,
        )],
        [['text', null]],
        'none',
      ),
      g.timeseries(
        'Licensed users by state',
        'Users of each organization in /LicensedUsers by license state (Exceeded: not protected).',
        'short',
        g.grid(18, 109, 6, 8),
        [g.target(
          'A',
          q('sum by (server, state) (vb365_organization_licensed_users{%(server)s})'),
          '{{server}} {{state}}',
        )],
      ),

      g.row('Restores and health', 117),
      g.timeseries(
        'Restores',
        'Restore sessions that finished, by type and result, per interval.',
        'short',
        g.grid(0, 118, 10, 8),
        [g.target(
          'A',
          q('sum by (server, type, result) (increase(vb365_restore_sessions_total{%(server)s}[$__rate_interval]))'),
          '{{server}} {{type}} {{result}}',
        )],
        bars=true,
      ),
      g.timeseries(
        'Restores running',
        'Restore sessions in state Working, by type.',
        'short',
        g.grid(10, 118, 6, 8),
        [g.target(
          'A',
          q('sum by (server, type) (vb365_restore_sessions_running{%(server)s})'),
          '{{server}} {{type}}',
        )],
      ),
      g.stat(
        'Server health',
        '/Health of each server (v8) and of its components; and whether each collector read its resource.',
        g.grid(16, 118, 8, 8),
        [
          g.target('A', q('vb365_server_healthy{%(server)s}'), '{{server}}', instant=true),
          g.target('B', q('vb365_server_component_healthy{%(server)s}'), '{{server}} {{component}}', instant=true),
          g.target('C', q('vb365_collector_success{%(server)s}'), '{{server}} {{collector}} collector', instant=true),
        ],
        [['red', null], ['green', 1]],
        'background',
        mappings=g.valueMappings([
          ['1', { text: 'ok', color: 'green' }],
          ['0', { text: 'FAILING', color: 'red' }],
        ]),
      ),
    ],
  )
