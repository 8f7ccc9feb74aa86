// Grafana dashboards by file name (the mixin convention).
{
  grafanaDashboards+:: {
    'vb365-overview.json': (import 'vb365-overview.libsonnet')($._config),
  },
}
