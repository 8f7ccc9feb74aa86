// vb365_exporter monitoring mixin: Prometheus recording rules and alerts and
// a Grafana dashboard for Veeam Backup for Microsoft 365.
//
//   prometheusRules    recording rules  (rules/)
//   prometheusAlerts   alerting rules   (alerts/)
//   grafanaDashboards  dashboards by file name (dashboards/)
//   _config            selectors, thresholds, `for:` and severities
//                      (config.libsonnet; override with `_config+::`)
(import 'config.libsonnet')
+ (import 'rules/rules.libsonnet')
+ (import 'alerts/alerts.libsonnet')
+ (import 'dashboards/dashboards.libsonnet')
