// deploy/grafana/vb365-overview.json
(import 'mixin.libsonnet').grafanaDashboards['vb365-overview.json']
