#!/usr/bin/python3
"""Proves that vb365_rules_test.yml pins the behaviour of vb365_rules.yml.

Each mutation below is a plausible mistake in the rules (a forgotten
`unless`, a wrong threshold, a missing `for:`, a wrong label); the promtool
tests must fail on every one of them. A mutation that no longer applies
(the rule text changed) fails this test too, so the list stays current.

Usage: rules_mutation_test.py PROMETHEUS_DEPLOY_DIR PROMTOOL
"""
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile

MUTATIONS = [
    ("a running retry neither fires nor clears VB365JobFailed",
     'unless on (server, job_id) vb365_job_info{job_type="Copy"}\n',
     'unless on (server, job_id) vb365_job_info{job_type="Copy"}\n          unless on (server, job_id, job_name) vb365_job_running == 1\n'),
    ("a running session does not clear VB365JobWarning",
     'expr: vb365_job_last_session_status{status="Warning"} == 1\n',
     'expr: vb365_job_last_session_status{status="Warning"} == 1 unless on (server, job_id, job_name) vb365_job_running == 1\n'),
    ("a running job fires VB365JobFailed",
     'unless on (server, job_id) vb365_job_info{job_type="Copy"}\n',
     'unless on (server, job_id) vb365_job_info{job_type="Copy"}\n          or on (server, job_id, job_name) vb365_job_running == 1\n'),
    ("VB365JobFailed waits 1m", 'job_id) vb365_job_info{job_type="Copy"}\n        for: 1m', 'job_id) vb365_job_info{job_type="Copy"}\n        for: 0m'),
    # Copy jobs: their own alert, not VB365JobFailed.
    ("a failed copy job does not fire VB365JobFailed",
     '          unless on (server, job_id) vb365_job_info{job_type="Copy"}\n', ''),
    ("VB365CopyJobFailed only for copy jobs",
     ' group_left (backup_job_id)\n            vb365_job_info{job_type="Copy"}\n',
     ' group_left (backup_job_id)\n            vb365_job_info\n'),
    ("VB365CopyJobFailed only for a Failed last session",
     '(vb365_job_last_session_status{status="Failed"} == 1)\n',
     '(vb365_job_last_session_status{status=~"Failed|Warning"} == 1)\n'),
    ("VB365CopyJobFailed names the backup job",
     'group_left (backup_job_id)', 'group_left ()'),
    ("VB365CopyJobFailed waits 1m", '    vb365_job_info{job_type="Copy"}\n        for: 1m\n        labels:\n          severity: warning',
     '    vb365_job_info{job_type="Copy"}\n        for: 0m\n        labels:\n          severity: warning'),
    ("a failed copy job is a warning", '    vb365_job_info{job_type="Copy"}\n        for: 1m\n        labels:\n          severity: warning',
     '    vb365_job_info{job_type="Copy"}\n        for: 1m\n        labels:\n          severity: critical'),
    ("a disabled job does not fire VB365JobNoRecentSuccess",
     "vb365:job_max_backup_age_seconds\n          )\n          unless on (server, job_id, job_name) vb365_job_enabled == 0\n",
     "vb365:job_max_backup_age_seconds\n          )\n"),
    ("default backup age threshold is 26 h", "+ 26 * 3600", "+ 27 * 3600"),
    ("Warning sessions count as a backup", 'status=~"Success|Warning"', 'status="Success"'),
    ("API lastBackup counts as a backup",
     "            or\n              vb365_job_last_backup_timestamp_seconds\n", ""),
    ("per-job override is used",
     "max by (server, job_name) (vb365:job_max_backup_age_seconds:override)",
     "max by (server, job_name) (vb365:job_max_backup_age_seconds:override) * 0"),
    ("missed schedule margin is 1 h", "vb365_job_next_run_timestamp_seconds > 3600)",
     "vb365_job_next_run_timestamp_seconds > 600)"),
    ("a running job did not miss its schedule",
     "> 3600)\n          unless on (server, job_id, job_name) vb365_job_running == 1\n", "> 3600)\n"),
    ("a disabled job did not miss its schedule",
     "          unless on (server, job_id, job_name) vb365_job_enabled == 0\n        for: 10m\n        labels:\n          severity: warning",
     "        for: 10m\n        labels:\n          severity: warning"),
    ("disabled alert waits 12 h", "for: 12h", "for: 1h"),
    ("running-too-long margin", "(2 * vb365:job_session_duration_seconds:p90_7d + 3600)",
     "(2 * vb365:job_session_duration_seconds:p90_7d)"),
    ("exporter down only for the vb365 scrape job", 'up{job=~"vb365.*"} == 0', "up == 0"),
    ("target missing waits 15 m", "absent(up{job=~\"vb365.*\"})\n        for: 15m",
     "absent(up{job=~\"vb365.*\"})\n        for: 1m"),
    ("stale refresh excludes servers that are down",
     "> 900)\n          unless on (server) vb365_up == 0\n", "> 900)\n"),
    ("server down waits 5 m", "expr: vb365_up == 0\n        for: 5m", "expr: vb365_up == 0\n        for: 40m"),
    ("auth failing means failures now", "rate(vb365_auth_failures_total[10m]) > 0",
     "increase(vb365_auth_failures_total[1h]) > 0"),
    ("API error ratio threshold 10 %", ") > 0.1\n", ") > 0.5\n"),
    ("parse errors clear after 30 m", "increase(vb365_parse_errors_total[30m]) > 0",
     "increase(vb365_parse_errors_total[1h]) > 0"),
    ("failed is critical",
     'job_type="Copy"}\n        for: 1m\n        labels:\n          severity: critical',
     'job_type="Copy"}\n        for: 1m\n        labels:\n          severity: warning'),
    # Resources beyond jobs (issue 9).
    ("object storage counts against its size limit",
     "          or\n          (1 - vb365_repository_object_storage_used_bytes / vb365_repository_object_storage_limit_bytes)\n",
     ""),
    ("repository low space below 10 %", "vb365:repository_free_ratio < 0.1\n", "vb365:repository_free_ratio < 0.2\n"),
    ("repository low space waits 15 m", "vb365:repository_free_ratio < 0.1\n        for: 15m",
     "vb365:repository_free_ratio < 0.1\n        for: 5m"),
    ("repository critical space below 5 %", "vb365:repository_free_ratio < 0.05\n",
     "vb365:repository_free_ratio < 0.1\n"),
    ("repository critical space is critical",
     "vb365:repository_free_ratio < 0.05\n        for: 5m\n        labels:\n          severity: critical",
     "vb365:repository_free_ratio < 0.05\n        for: 5m\n        labels:\n          severity: warning"),
    ("repository full looks 7 days ahead", "predict_linear(vb365_repository_free_bytes[6h], 7 * 86400)",
     "predict_linear(vb365_repository_free_bytes[6h], 86400)"),
    ("repository full watches object storage too",
     "(predict_linear(vb365_repository_free_bytes[6h], 7 * 86400) < 0)\n          or\n",
     "(predict_linear(vb365_repository_free_bytes[6h], 7 * 86400) < 0)\n          and\n"),
    ("repository full waits 1 h", "          )\n        for: 1h\n        labels:\n          severity: warning\n        annotations:\n          summary: VB365 repository",
     "          )\n        for: 1m\n        labels:\n          severity: warning\n        annotations:\n          summary: VB365 repository"),
    ("a proxy in maintenance mode is not offline",
     '          unless on (server, proxy_id, proxy_host) vb365_proxy_maintenance_state{state="Enabled"} == 1\n', ""),
    ("proxy offline waits 5 m", 'vb365_proxy_maintenance_state{state="Enabled"} == 1\n        for: 5m',
     'vb365_proxy_maintenance_state{state="Enabled"} == 1\n        for: 1m'),
    ("proxy offline: up == 0", "vb365_proxy_up == 0\n", "vb365_proxy_up == 1\n"),
    ("license expired reads the status", 'expr: vb365_license_status{status="Expired"} == 1\n',
     'expr: vb365_license_status{status="Expired"} >= 0\n'),
    ("an expired license is not expiring",
     '          unless on (server) vb365_license_status{status="Expired"} == 1\n', ""),
    ("license expiry warning 30 days", "time() < 30 * 86400", "time() < 365 * 86400"),
    ("license near capacity above 95 %", "vb365_license_capacity_users > 0.95",
     "vb365_license_capacity_users > 0.45"),
    ("a license of capacity 0 is not near capacity",
     "          and on (server) vb365_license_capacity_users > 0\n", ""),
    ("exceeded users by state Exceeded", 'vb365_organization_licensed_users{state="Exceeded"}',
     'vb365_organization_licensed_users{state=~"Exceeded|New"}'),
    ("organization backup age 26 h", "vb365_organization_last_backup_timestamp_seconds > 26 * 3600",
     "vb365_organization_last_backup_timestamp_seconds > 27 * 3600"),
    ("never backed up means backed_up 0", "expr: vb365_organization_backed_up == 0\n",
     "expr: vb365_organization_backed_up < 2\n"),
    ("never backed up waits 26 h", "vb365_organization_backed_up == 0\n        for: 26h",
     "vb365_organization_backed_up == 0\n        for: 1h"),
    ("organization sync failed reads the last result", 'vb365_organization_sync_result{result="Error"} == 1',
     'vb365_organization_sync_result{result="Success"} == 0'),
    ("failed restores within 1 h", 'increase(vb365_restore_sessions_total{result="Failed"}[1h])',
     'increase(vb365_restore_sessions_total{result="Failed"}[1d])'),
    ("only failed restores", 'increase(vb365_restore_sessions_total{result="Failed"}[1h])',
     'increase(vb365_restore_sessions_total[1h])'),
    ("server unhealthy waits 5 m", "vb365_server_healthy == 0\n        for: 5m",
     "vb365_server_healthy == 0\n        for: 1m"),
    ("a server that is down has no failing collector",
     "vb365_collector_success == 0\n          unless on (server) vb365_up == 0\n",
     "vb365_collector_success == 0\n"),
    ("collector failing waits 15 m", "          unless on (server) vb365_up == 0\n        for: 15m",
     "          unless on (server) vb365_up == 0\n        for: 1m"),
]


def run_tests(src, promtool, rules_text):
    """promtool's verdict on vb365_rules_test.yml with these rules (own directory)."""
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("vb365_rules_test.yml", "vb365_overrides.example.yml"):
            shutil.copy(os.path.join(src, name), tmp)
        with open(os.path.join(tmp, "vb365_rules.yml"), "w", encoding="utf-8") as f:
            f.write(rules_text)
        return subprocess.run([promtool, "test", "rules", "vb365_rules_test.yml"],
                              cwd=tmp, capture_output=True, text=True)


def main(src, promtool):
    with open(os.path.join(src, "vb365_rules.yml"), encoding="utf-8") as f:
        original = f.read()
    r = run_tests(src, promtool, original)
    if r.returncode != 0:
        print("the unmutated rules fail their tests:\n" + r.stdout + r.stderr, file=sys.stderr)
        return 1
    bad = 0
    live = []
    for what, old, new in MUTATIONS:
        if original.count(old) != 1:
            print(f"STALE  {what}: text to mutate found {original.count(old)} times", file=sys.stderr)
            bad += 1
        else:
            live.append((what, original.replace(old, new)))
    # Two promtool runs at a time (each takes seconds; the machine is shared).
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        verdicts = pool.map(lambda m: run_tests(src, promtool, m[1]).returncode != 0, live)
        for (what, _), killed in zip(live, verdicts):
            print(f"{'killed ' if killed else 'SURVIVED'} {what}")
            bad += not killed
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
