#!/bin/bash
# grafana-dashboard.sh: the provisioned Grafana dashboard is valid and well laid out (TAP).
#
# Grafana cannot run here, so the dashboard is checked offline: the whole
# JSON against the Grafana dashboard JSON Schema, each panel's options and
# custom field config against the schema of its panel type, each query
# against the Prometheus query schema (tests/data/grafana-jsonschema,
# Apache-2.0, from grafana-foundation-sdk); then the layout rules Grafana does
# not enforce (unique ids, inside 24 columns, no overlaps), the six rows (query
# latency, WebSocket, cache, HTTP, SLO compliance, chaos), the fixed datasource
# uid, the run_id variable and the thresholds of the five SLO stats. Finally the
# checks are run on two broken copies, to show they can fail, and the JSON must
# be what grafana/gen-dashboard.py writes. Whether each query returns data is
# tests/e2e/grafana-data.sh.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
set -u

cd "$top_srcdir" || exit 1
ajv=$top_srcdir/node_modules/.bin/ajv
schemas=tests/data/grafana-jsonschema
dash=grafana/provisioning/dashboards/flowrun.json
dsfile=grafana/provisioning/datasources/flowrun.yaml

command -v node >/dev/null 2>&1 || tap_skip_all "node not installed"
command -v jq >/dev/null 2>&1 || tap_skip_all "jq not installed"
[ -x "$ajv" ] || tap_skip_all "ajv-cli not installed (run npm ci)"
tmp=$FR_TMP

# ajv_many SCHEMA FILE…: validates each file; prints "FILE valid|invalid" lines.
ajv_many() {
	local schema=$1 f args=()
	shift
	for f in "$@"; do args+=(-d "$f"); done
	"$ajv" validate --spec=draft7 --strict=false -c ajv-formats --errors=text \
		-s "$schema" "${args[@]}" 2>&1
}

# layout_problems FILE: ids, grid and overlap problems, one per line.
layout_problems() {
	jq -r '
	  [.panels[] | {id, type, g: .gridPos}] as $p
	  | ($p | map(.id) | group_by(.) | map(select(length > 1) | "duplicate panel id \(.[0])"))[],
	    ($p[] | select(.g == null) | "panel \(.id) has no gridPos"),
	    ($p[] | select(.g != null and (.g.x < 0 or .g.w < 1 or .g.x + .g.w > 24))
	          | "panel \(.id) is outside the 24 columns (x=\(.g.x) w=\(.g.w))"),
	    ([range(0; $p | length) as $i | range($i + 1; $p | length) as $j
	      | $p[$i] as $a | $p[$j] as $b
	      | select($a.g != null and $b.g != null)
	      | select($a.g.x < $b.g.x + $b.g.w and $b.g.x < $a.g.x + $a.g.w
	               and $a.g.y < $b.g.y + $b.g.h and $b.g.y < $a.g.y + $a.g.h)
	      | "panels \($a.id) and \($b.id) overlap"])[]' "$1"
}

tap_plan 17

# 1: the whole dashboard against the dashboard schema.
out=$(ajv_many "$schemas/dashboard.jsonschema.json" "$dash")
printf '%s\n' "$out" | grep -qx "$dash valid"
tap_ok $? "dashboard matches the Grafana dashboard schema" "$out"

# 2-4: every panel by type: options, custom field config, queries.
for t in stat timeseries heatmap; do
	jq '. + {"$ref": "#/definitions/Options"}' "$schemas/$t.jsonschema.json" >"$tmp/$t-options.schema.json"
	jq '. + {"$ref": "#/definitions/FieldConfig"}' "$schemas/$t.jsonschema.json" >"$tmp/$t-custom.schema.json"
done
types=$(jq -r '[.panels[] | select(.type != "row") | .type] | unique | .[]' "$dash")
unknown=$(printf '%s\n' "$types" | grep -vx -e stat -e timeseries -e heatmap)
opt_files=() custom_files=() target_files=()
for id in $(jq -r '.panels[] | select(.type != "row") | .id' "$dash"); do
	t=$(jq -r --argjson id "$id" '.panels[] | select(.id == $id) | .type' "$dash")
	jq --argjson id "$id" '.panels[] | select(.id == $id) | .options' "$dash" >"$tmp/$t-options-$id.json"
	opt_files+=("$t:$tmp/$t-options-$id.json")
	if [ "$t" != stat ]; then
		jq --argjson id "$id" '.panels[] | select(.id == $id) | .fieldConfig.defaults.custom' "$dash" \
			>"$tmp/$t-custom-$id.json"
		custom_files+=("$t:$tmp/$t-custom-$id.json")
	fi
	k=0
	while IFS= read -r q; do
		printf '%s\n' "$q" >"$tmp/target-$id-$k.json"
		target_files+=("$tmp/target-$id-$k.json")
		k=$((k + 1))
	done < <(jq -c --argjson id "$id" '.panels[] | select(.id == $id) | .targets[]' "$dash")
done
# by_type KIND FILES…: validates TYPE:FILE pairs against $tmp/TYPE-KIND.schema.json.
by_type() {
	local kind=$1 t files out bad=
	shift
	for t in stat timeseries heatmap; do
		files=()
		for f in "$@"; do [ "${f%%:*}" = "$t" ] && files+=("${f#*:}"); done
		[ ${#files[@]} -eq 0 ] && continue
		out=$(ajv_many "$tmp/$t-$kind.schema.json" "${files[@]}")
		for f in "${files[@]}"; do
			printf '%s\n' "$out" | grep -qx "$f valid" || bad+="$(basename "$f"): $(printf '%s\n' "$out" | grep -F -A1 "$f invalid" | head -2)"$'\n'
		done
	done
	printf '%s' "$bad"
}
tap_check "panel types are stat, timeseries or heatmap" "$unknown"
tap_check "every panel's options match its type's schema (${#opt_files[@]} panels)" "$(by_type options "${opt_files[@]}")"
tap_check "every timeseries/heatmap custom field config matches its schema" "$(by_type custom "${custom_files[@]}")"
out=$(ajv_many "$schemas/prometheus.jsonschema.json" "${target_files[@]}")
bad=$(for f in "${target_files[@]}"; do printf '%s\n' "$out" | grep -qx "$f valid" || basename "$f"; done)
tap_check "every query matches the Prometheus query schema (${#target_files[@]} queries)" "$bad"

# 6-7: layout.
tap_check "panel ids are unique, panels inside 24 columns, none overlapping" "$(layout_problems "$dash")"
rows=$(jq -r '[.panels[] | select(.type == "row") | .title] | join(" | ")' "$dash")
want="Query latency | WebSocket | Cache | HTTP | SLO compliance | Chaos"
tap_check "the six rows, in order" "$([ "$rows" = "$want" ] || echo "rows: $rows")"

# 8-10: datasource, variable, version.
out=$(jq -r '
  (.panels[] | select(.type != "row") | select(.datasource.uid != "flowrun-prometheus") | "panel \(.id)"),
  (.panels[] | select(.type != "row") | .targets[] | select(.datasource.uid != "flowrun-prometheus") | "query \(.refId)"),
  (.annotations.list[] | select(.builtIn != 1) | select(.datasource.uid != "flowrun-prometheus") | "annotation \(.name)")' "$dash")
ds=$(node -e 'const y = require(process.argv[1]); const d = y.load(require("fs").readFileSync(process.argv[2], "utf8"));
  const p = d.datasources.find(s => s.uid === "flowrun-prometheus"); console.log(p ? p.type : "none");' \
	"$top_srcdir/node_modules/js-yaml" "$dsfile")
[ "$ds" = prometheus ] || out+=$'\n'"$dsfile has no prometheus datasource with uid flowrun-prometheus"
tap_check "every panel, query and annotation uses the provisioned datasource uid flowrun-prometheus" "$out"
out=$(jq -r '
  (if ([.templating.list[] | select(.name == "run_id" and .type == "query")] | length) != 1 then "no run_id query variable" else empty end),
  (.panels[] | select(.type != "row") | .targets[] | select(.expr | test("flowrun_"))
    | select(.expr | test("run_id=~\"\\$run_id\"") | not) | "query \(.expr) does not filter by run_id")' "$dash")
tap_check "a run_id variable, and every flowrun_ query filters by it" "$out"
tap_check "schemaVersion 39" "$(jq -r 'select(.schemaVersion != 39) | "schemaVersion \(.schemaVersion)"' "$dash")"

# 11-12: SLO stats go from green to red at the threshold; fault annotations.
out=$(jq -r '.panels[] | select(.type == "stat") | .fieldConfig.defaults.thresholds.steps as $s
  | select(($s | length) != 2 or $s[0].value != null or ([$s[].color] | sort) != ["green", "red"])
  | "panel \(.id) \(.title): steps \($s | tojson)"' "$dash")
tap_check "every SLO stat has two threshold steps, green and red" "$out"
out=$(jq -r '[.panels[] | select(.type == "stat" and (.title | test("< ")))
  | "\(.title)=\(.fieldConfig.defaults.thresholds.steps[1].value)"] | join(" ")' "$dash")
want="Redis lookup P99 < 5 ms=0.005 Materialize live P99 < 50 ms=0.05 ClickHouse analytical P99 < 2 s=2 HTTP P99 < 3 s=3 WebSocket delivery P95 < 200 ms=0.2"
tap_check "the five SLO stats turn red exactly at their thresholds" "$([ "$out" = "$want" ] || echo "$out")"
out=$(jq -r '[.annotations.list[] | select(.expr // "" | test("flowrun_fault_active"))] | length' "$dash")
tap_check "fault annotations come from flowrun_fault_active" "$([ "$out" = 1 ] || echo "$out annotations")"

# 13: the provisioning provider points at a file directory.
prov=$(node -e 'const y = require(process.argv[1]); const d = y.load(require("fs").readFileSync(process.argv[2], "utf8"));
  console.log(d.providers.map(p => p.type + " " + p.options.path).join(","));' \
	"$top_srcdir/node_modules/js-yaml" grafana/provisioning/dashboards/provider.yaml)
# shellcheck disable=SC2016 # the literal ${…} that Grafana expands
tap_check "the dashboard provider loads files" "$([ "$prov" = 'file ${FLOWRUN_GRAFANA_DASHBOARDS}' ] || echo "$prov")"

# 14-15: the checks fail on broken dashboards.
jq '(.panels[] | select(.id == 3) | .gridPos) |= (.x = 4)' "$dash" >"$tmp/overlap.json"
out=$(layout_problems "$tmp/overlap.json")
tap_check "an overlapping panel is caught" "$([ "$out" = "panels 2 and 3 overlap" ] || echo "got: $out")"
jq '(.panels[] | select(.id == 2) | .gridPos.w) = 25' "$dash" >"$tmp/wide.json"
out=$(ajv_many "$schemas/dashboard.jsonschema.json" "$tmp/wide.json")
tap_check "a panel 25 columns wide fails the schema" "$(printf '%s\n' "$out" | grep -qx "$tmp/wide.json invalid" || echo "$out")"

# 17: the JSON is what grafana/gen-dashboard.py writes (edit the generator, not the JSON).
if command -v python3 >/dev/null 2>&1; then
	out=$(python3 grafana/gen-dashboard.py | diff - "$dash" | head -5)
	tap_check "flowrun.json is the output of grafana/gen-dashboard.py" "$out"
else
	tap_skip_missing "flowrun.json is the output of grafana/gen-dashboard.py" "python3 not installed"
fi

tap_done
