// deploy/kubernetes/prometheusrule.yaml: the same groups as
// deploy/prometheus/vb365_rules.yml, for the Prometheus Operator.
local mixin = import 'mixin.libsonnet';
{
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PrometheusRule',
  metadata: {
    name: 'vb365-exporter',
    labels: {
      'app.kubernetes.io/name': 'vb365-exporter',
      'app.kubernetes.io/component': 'alerting-rules',
      // The Prometheus Operator's ruleSelector must match this label.
      release: 'prometheus',
    },
  },
  spec: { groups: mixin.prometheusRules.groups + mixin.prometheusAlerts.groups },
}
