#!/usr/bin/env python3
# gen-dashboard.py: writes grafana/provisioning/dashboards/flowrun.json, the flowrun dashboard.
#
# The dashboard is 29 panels of near-identical JSON; writing it from this table
# keeps the PromQL readable in review and the layout (six rows: query latency, WebSocket, cache, HTTP, SLO compliance, chaos, on
# the 24-column grid) consistent. Edit this file, then run
#     python3 grafana/gen-dashboard.py > grafana/provisioning/dashboards/flowrun.json
# tests/e2e/grafana-dashboard.sh checks that the two agree, validates the JSON
# against Grafana's schemas, and tests/e2e/grafana-data.sh runs every query
# against a real Prometheus after a smoke run.
import json

DS = {"type": "prometheus", "uid": "flowrun-prometheus"}
# every flowrun series carries run_id and shard: a sharded run's generators
# are summed by every query (sum by (le) of buckets, sum of counters), or one
# shard is picked with the shard variable
R = 'run_id=~"$run_id",shard=~"$shard"'
panels = []
nid = [0]
def next_id():
    nid[0] += 1
    return nid[0]
def target(ref, expr, legend, fmt="time_series"):
    return {"refId": ref, "datasource": DS, "editorMode": "code", "expr": expr,
            "legendFormat": legend, "format": fmt, "range": True}
def row(title, y):
    panels.append({"type": "row", "id": next_id(), "title": title, "collapsed": False,
                   "gridPos": {"x": 0, "y": y, "w": 24, "h": 1}, "panels": []})
def ts(title, desc, x, y, w, targets, unit, h=8):
    panels.append({"type": "timeseries", "id": next_id(), "title": title, "description": desc,
        "datasource": DS, "gridPos": {"x": x, "y": y, "w": w, "h": h}, "targets": targets,
        "fieldConfig": {"defaults": {"unit": unit, "color": {"mode": "palette-classic"},
            "custom": {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10,
                       "lineInterpolation": "linear", "showPoints": "never", "spanNulls": False,
                       "axisPlacement": "auto", "gradientMode": "none",
                       "hideFrom": {"legend": False, "tooltip": False, "viz": False},
                       "scaleDistribution": {"type": "linear"}, "stacking": {"mode": "none", "group": "A"}}},
            "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True, "calcs": []},
                    "tooltip": {"mode": "multi", "sort": "desc"}}})
def heat(title, desc, x, y, w, expr):
    panels.append({"type": "heatmap", "id": next_id(), "title": title, "description": desc,
        "datasource": DS, "gridPos": {"x": x, "y": y, "w": w, "h": 8},
        "targets": [target("A", expr, "{{le}}", "heatmap")],
        "fieldConfig": {"defaults": {"custom": {"hideFrom": {"legend": False, "tooltip": False, "viz": False},
                                                "scaleDistribution": {"type": "linear"}}}, "overrides": []},
        "options": {"calculate": False, "cellGap": 1, "yAxis": {"unit": "s", "axisPlacement": "left"},
                    "rowsFrame": {"layout": "le"},
                    "color": {"mode": "scheme", "scheme": "Oranges", "fill": "dark-orange", "scale": "exponential",
                              "exponent": 0.5, "steps": 64, "reverse": False},
                    "cellValues": {"unit": "reqps"}, "filterValues": {"le": 1e-9}, "showValue": "never",
                    "legend": {"show": True}, "tooltip": {"mode": "single", "yHistogram": False, "showColorScale": False},
                    "exemplars": {"color": "rgba(255,0,255,0.7)"}}})
def stat(title, desc, x, y, w, targets, unit, steps, text_mode="value", h=5):
    panels.append({"type": "stat", "id": next_id(), "title": title, "description": desc,
        "datasource": DS, "gridPos": {"x": x, "y": y, "w": w, "h": h}, "targets": targets,
        "fieldConfig": {"defaults": {"unit": unit, "color": {"mode": "thresholds"},
            "thresholds": {"mode": "absolute", "steps": steps}}, "overrides": []},
        "options": {"graphMode": "none", "colorMode": "background", "justifyMode": "auto", "textMode": text_mode,
                    "wideLayout": True, "showPercentChange": False, "percentChangeColorMode": "standard",
                    "orientation": "auto", "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}}})
def green_red(thr):
    return [{"value": None, "color": "green"}, {"value": thr, "color": "red"}]
RI = "$__rate_interval"
def q(qt, metric, sel, by, rng=RI):
    return f'histogram_quantile({qt}, sum by ({by}) (rate({metric}_bucket{{{sel}}}[{rng}])))'

# Row 1: query latency
row("Query latency", 0)
heat("Request latency heatmap (from intended send)",
     "flowrun_request_duration_seconds: every HTTP request, timed from when it should have been sent.",
     0, 1, 8, f'sum by (le) (rate(flowrun_request_duration_seconds_bucket{{{R}}}[{RI}]))')
ts("P95 / P99 by request", "Client-side latency percentiles per request name.", 8, 1, 8,
   [target("A", q(0.95, "flowrun_request_duration_seconds", R, "le, request"), "p95 {{request}}"),
    target("B", q(0.99, "flowrun_request_duration_seconds", R, "le, request"), "p99 {{request}}")], "s")
ts("Store query P95 / P99 (server side)", "flowforge_store_query_duration_seconds by store, measured by the backend.",
   16, 1, 8,
   [target("A", q(0.95, "flowforge_store_query_duration_seconds", "", "le, store"), "p95 {{store}}"),
    target("B", q(0.99, "flowforge_store_query_duration_seconds", "", "le, store"), "p99 {{store}}")], "s")
# Row 2: WebSocket
row("WebSocket", 9)
ts("Connections", "Open viewer connections: flowrun's count and the backend's.", 0, 10, 8,
   [target("A", f'sum by (scenario) (flowrun_ws_connections{{{R}}})', "flowrun {{scenario}}"),
    target("B", 'flowforge_ws_connections', "backend")], "short")
ts("Delivery latency P95 / P99", "flowrun_ws_delivery_seconds: publish send to receipt at each viewer.", 8, 10, 8,
   [target("A", q(0.95, "flowrun_ws_delivery_seconds", R, "le, scenario"), "p95 {{scenario}}"),
    target("B", q(0.99, "flowrun_ws_delivery_seconds", R, "le, scenario"), "p99 {{scenario}}")], "s")
ts("Message rate", "Messages per second by kind (received, lost, published …) and the backend's sends.", 16, 10, 8,
   [target("A", f'sum by (kind) (rate(flowrun_ws_messages_total{{{R}}}[{RI}]))', "{{kind}}"),
    target("B", f'rate(flowforge_ws_messages_sent_total[{RI}])', "backend sent")], "ops")
# Row 3: cache
row("Cache", 18)
ts("Cache hits / misses", "Backend cache lookups per second.", 0, 19, 8,
   [target("A", f'rate(flowforge_cache_hits_total[{RI}])', "hits"),
    target("B", f'rate(flowforge_cache_misses_total[{RI}])', "misses")], "ops")
ts("Cache hit ratio", "hits / (hits + misses).", 8, 19, 8,
   [target("A", f'rate(flowforge_cache_hits_total[{RI}]) / (rate(flowforge_cache_hits_total[{RI}]) + rate(flowforge_cache_misses_total[{RI}]))', "hit ratio")],
   "percentunit")
ts("Cache operation duration (redis)", "Redis point lookups as the backend times them.", 16, 19, 8,
   [target("A", q(0.5, "flowforge_store_query_duration_seconds", 'store="redis"', "le"), "p50"),
    target("B", q(0.99, "flowforge_store_query_duration_seconds", 'store="redis"', "le"), "p99")], "s")
# Row 4: HTTP
row("HTTP", 27)
heat("HTTP service time heatmap (from actual send)",
     "flowrun_request_service_seconds: time from the actual send to the response.",
     0, 28, 8, f'sum by (le) (rate(flowrun_request_service_seconds_bucket{{{R}}}[{RI}]))')
ts("Error rate", "Failed requests / all requests, as flowrun sees them and as the backend answers (5xx).", 8, 28, 8,
   [target("A", f'sum(rate(flowrun_requests_total{{{R},outcome!="ok"}}[{RI}])) / sum(rate(flowrun_requests_total{{{R}}}[{RI}]))', "flowrun"),
    target("B", f'(sum(rate(flowforge_http_requests_total{{code=~"5.."}}[{RI}])) or vector(0)) / sum(rate(flowforge_http_requests_total[{RI}]))', "backend 5xx")],
   "percentunit")
ts("Requests by outcome", "Requests per second by outcome (ok, timeout, http-5xx …), with the planned and achieved rate.", 16, 28, 8,
   [target("A", f'sum by (outcome) (rate(flowrun_requests_total{{{R}}}[{RI}]))', "{{outcome}}"),
    target("B", f'sum by (scenario) (flowrun_planned_rate{{{R}}})', "planned {{scenario}}"),
    target("C", f'sum by (scenario) (flowrun_achieved_rate{{{R}}})', "achieved {{scenario}}")], "reqps")
# Row 5: SLO compliance
row("SLO compliance", 36)
RG = "$__range"
stat("Redis lookup P99 < 5 ms", "Backend Redis query P99 over the range; red at the SLO.", 0, 37, 4,
     [target("A", q(0.99, "flowforge_store_query_duration_seconds", 'store="redis"', "le", RG).replace("rate(", "increase("), "redis p99")], "s", green_red(0.005))
stat("Materialize live P99 < 50 ms", "Backend Materialize query P99 over the range; red at the SLO.", 4, 37, 4,
     [target("A", q(0.99, "flowforge_store_query_duration_seconds", 'store="materialize"', "le", RG).replace("rate(", "increase("), "materialize p99")], "s", green_red(0.05))
stat("ClickHouse analytical P99 < 2 s", "Backend ClickHouse query P99 over the range; red at the SLO.", 8, 37, 4,
     [target("A", q(0.99, "flowforge_store_query_duration_seconds", 'store="clickhouse"', "le", RG).replace("rate(", "increase("), "clickhouse p99")], "s", green_red(2))
stat("HTTP P99 < 3 s", "flowrun's HTTP P99 from the intended send, over the range; red at the SLO.", 12, 37, 4,
     [target("A", q(0.99, "flowrun_request_duration_seconds", R, "le", RG).replace("rate(", "increase("), "http p99")], "s", green_red(3))
stat("WebSocket delivery P95 < 200 ms", "flowrun's delivery P95, over the range; red at the SLO.", 16, 37, 4,
     [target("A", q(0.95, "flowrun_ws_delivery_seconds", R, "le", RG).replace("rate(", "increase("), "delivery p95")], "s", green_red(0.2))
stat("Plan SLOs met", "flowrun_slo_pass of the run: 1 met, 0 failed or not yet evaluated.", 20, 37, 4,
     [target("A", f'min(flowrun_slo_pass{{{R}}})', "all met")], "none",
     [{"value": None, "color": "red"}, {"value": 1, "color": "green"}])
stat("Plan SLOs: value / threshold", "Each SLO of the plan: measured value over its threshold; red from 1 (the threshold). A sharded run's shards each judge their own share: this shows the worst of them; flowrun merge judges the whole.",
     0, 42, 12, [target("A", f'max by (slo) (flowrun_slo_value{{{R}}} / flowrun_slo_threshold{{{R}}})', "{{slo}}")], "percentunit",
     green_red(1), "value_and_name", h=4)
ts("Generators: requests/s by shard", "Each generator's finished requests per second, and its share of the open model's planned rate: a shard falling behind the others is saturated.",
   12, 42, 12,
   [target("A", f'sum by (shard) (rate(flowrun_requests_total{{{R}}}[{RI}]))', "shard {{shard}}"),
    target("B", f'sum by (shard) (flowrun_planned_rate{{{R}}})', "planned shard {{shard}}")], "reqps", h=4)
# Row 6: chaos
row("Chaos", 46)
ts("Store health and faults", "flowforge_store_up per store; flowrun_fault_active per proxy (1 while injected).", 0, 47, 8,
   [target("A", 'flowforge_store_up', "up {{store}}"),
    target("B", f'max by (proxy) (flowrun_fault_active{{{R}}})', "fault on {{proxy}}")], "short")
ts("Error rate during faults", "flowrun's error rate with the number of active faults; backend store errors.", 8, 47, 8,
   [target("A", f'sum(rate(flowrun_requests_total{{{R},outcome!="ok"}}[{RI}])) / sum(rate(flowrun_requests_total{{{R}}}[{RI}]))', "error rate"),
    target("B", f'sum(flowrun_fault_active{{{R}}})', "active faults"),
    target("C", f'sum by (store) (rate(flowforge_store_errors_total[{RI}]))', "store errors {{store}}")], "short")
ts("Store latency under faults", "Backend store query P99 by store, with the number of active faults: the impact of each fault.", 16, 47, 8,
   [target("A", q(0.99, "flowforge_store_query_duration_seconds", "", "le, store"), "p99 {{store}}"),
    target("B", f'sum(flowrun_fault_active{{{R}}})', "active faults")], "s")

dash = {
  "uid": "flowrun-overview", "title": "flowrun: load and SLOs",
  "description": "A flowrun run: client-side latency, WebSocket delivery, the FlowForge backend's stores and cache, SLO compliance and injected faults.",
  "tags": ["flowrun"], "editable": True, "graphTooltip": 1, "schemaVersion": 39, "version": 1,
  "refresh": "5s", "time": {"from": "now-15m", "to": "now"}, "timezone": "utc", "liveNow": False,
  "links": [],
  "templating": {"list": [{
    "type": "query", "name": "run_id", "label": "Run", "datasource": DS,
    "query": "label_values(flowrun_run_info, run_id)",
    "definition": "label_values(flowrun_run_info, run_id)",
    "refresh": 2, "sort": 2, "multi": False, "includeAll": True, "allValue": ".*",
    "current": {"text": "All", "value": "$__all"}, "options": []},
   {
    "type": "query", "name": "shard", "label": "Shard", "datasource": DS,
    "query": 'label_values(flowrun_run_info{run_id=~"$run_id"}, shard)',
    "definition": 'label_values(flowrun_run_info{run_id=~"$run_id"}, shard)',
    "refresh": 2, "sort": 3, "multi": True, "includeAll": True, "allValue": ".*",
    "current": {"text": "All", "value": "$__all"}, "options": []}]},
  "annotations": {"list": [
    {"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True, "hide": True,
     "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard"},
    {"name": "Faults", "datasource": DS, "enable": True, "hide": False, "iconColor": "red",
     "expr": f'max by (fault, proxy, toxic) (flowrun_fault_active{{{R}}}) == 1', "step": "1s",
     "titleFormat": "{{fault}}", "textFormat": "{{toxic}} on {{proxy}}", "tagKeys": "proxy,toxic",
     "useValueForTime": False}]},
  "panels": panels,
}
print(json.dumps(dash, indent=2))
