// Small builders for the Grafana panels of the dashboards (plain JSON, no
// grafonnet). Panels get their ids from dashboard(): 1, 2, ... in order.
local datasource = { type: 'prometheus', uid: '${datasource}' };

{
  // A PromQL query. Instant queries are for stat and table panels.
  target(refId, expr, legendFormat, instant=false, format='time_series', interval=null)::
    {
      datasource: datasource,
      refId: refId,
      expr: expr,
      legendFormat: legendFormat,
      range: !instant,
      instant: instant,
      format: format,
      editorMode: 'code',
    } + (if interval != null then { interval: interval } else {}),

  // An instant query returning a table (joined by the table's merge).
  tableTarget(refId, expr):: self.target(refId, expr, '__auto', instant=true, format='table'),

  grid(x, y, w, h):: { h: h, w: w, x: x, y: y },

  row(title, y):: {
    type: 'row',
    title: title,
    collapsed: false,
    gridPos: $.grid(0, y, 24, 1),
    panels: [],
  },

  // A value mapping: {value: {text?, color}} in the order given.
  valueMappings(entries):: [{
    type: 'value',
    options: {
      [entries[i][0]]: entries[i][1] { index: i }
      for i in std.range(0, std.length(entries) - 1)
    },
  }],

  thresholdSteps(steps):: {
    mode: 'absolute',
    steps: [{ color: s[0], value: s[1] } for s in steps],
  },

  stat(title, description, gridPos, targets, steps, colorMode, mappings=[]):: {
    type: 'stat',
    title: title,
    description: description,
    datasource: datasource,
    gridPos: gridPos,
    targets: targets,
    fieldConfig: {
      defaults: {
        unit: 'short',
        mappings: mappings,
        thresholds: $.thresholdSteps(steps),
        color: { mode: 'thresholds' },
      },
      overrides: [],
    },
    options: {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: colorMode,
      graphMode: 'none',
      textMode: 'value_and_name',
      justifyMode: 'auto',
      orientation: 'auto',
    },
  },

  // Lines (stepped: the exporter's values change at refreshes) or stacked
  // bars (per-hour counts).
  timeseries(title, description, unit, gridPos, targets, bars=false):: {
    type: 'timeseries',
    title: title,
    description: description,
    datasource: datasource,
    gridPos: gridPos,
    targets: targets,
    fieldConfig: {
      defaults: {
        unit: unit,
        custom: {
          drawStyle: if bars then 'bars' else 'line',
          lineWidth: 1,
          fillOpacity: if bars then 60 else 10,
          showPoints: 'never',
          spanNulls: false,
          lineInterpolation: if bars then 'linear' else 'stepAfter',
          stacking: { mode: if bars then 'normal' else 'none', group: 'A' },
        },
        color: { mode: 'palette-classic' },
        min: 0,
      },
      overrides: [],
    },
    options: {
      legend: {
        showLegend: true,
        displayMode: 'table',
        placement: 'right',
        calcs: ['lastNotNull', 'max'],
      },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  },

  table(title, description, gridPos, targets, transformations, fieldConfig, options):: {
    type: 'table',
    title: title,
    description: description,
    datasource: datasource,
    gridPos: gridPos,
    targets: targets,
    transformations: transformations,
    fieldConfig: fieldConfig,
    options: options,
  },

  // A field override of a table column.
  byName(name, properties):: {
    matcher: { id: 'byName', options: name },
    properties: [{ id: p[0], value: p[1] } for p in properties],
  },

  // A multi-select query variable ("All" = .*).
  queryVariable(name, label, query):: {
    name: name,
    label: label,
    type: 'query',
    datasource: datasource,
    definition: query,
    query: query,
    refresh: 2,
    regex: '',
    sort: 1,
    multi: true,
    includeAll: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    options: [],
    hide: 0,
  },

  dashboard(cfg, description, variables, panels):: {
    __inputs: [],
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: '9.4.0' },
      { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
    ],
    uid: cfg.dashboardUid,
    title: cfg.dashboardTitle,
    description: description,
    tags: cfg.dashboardTags,
    timezone: '',
    editable: true,
    graphTooltip: 1,
    schemaVersion: 37,
    version: 1,
    refresh: cfg.dashboardRefresh,
    time: { from: cfg.dashboardTimeFrom, to: 'now' },
    timepicker: {},
    links: [],
    annotations: {
      list: [{
        builtIn: 1,
        datasource: { type: 'grafana', uid: '-- Grafana --' },
        enable: true,
        hide: true,
        iconColor: 'rgba(0, 211, 255, 1)',
        name: 'Annotations & Alerts',
        type: 'dashboard',
      }],
    },
    templating: {
      list: [{
        name: 'datasource',
        label: 'Data source',
        type: 'datasource',
        query: 'prometheus',
        current: {},
        hide: 0,
        refresh: 1,
        regex: '',
        options: [],
        includeAll: false,
        multi: false,
      }] + variables,
    },
    panels: std.mapWithIndex(function(i, p) p { id: i + 1 }, panels),
  },
}
