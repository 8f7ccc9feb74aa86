// deploy/prometheus/vb365_rules.yml: the recording rules, then the alerts.
local mixin = import 'mixin.libsonnet';
{ groups: mixin.prometheusRules.groups + mixin.prometheusAlerts.groups }
