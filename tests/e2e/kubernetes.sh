#!/usr/bin/env bash
# kubernetes.sh: deploy/kubernetes and the Containerfile are valid and agree with the code (TAP).
#
# No cluster and no container engine run here, so the manifests are checked
# offline: every one against the Kubernetes schemas with kubernetes-validate
# --strict (PyPI 1.37.0, in .tools/kv: scripts/install-deps.sh), and a copy with
# a planted unknown field must fail naming it. Then what a schema cannot know:
# the plans ConfigMap is what scripts/gen-plans-configmap.py writes from plans/
# (make deploy-configmap) and its plans load as flowrun check loads them; the
# generators are an Indexed Job whose completions, parallelism, --shards and the
# merge's expected count agree; the pod failure policy fails the Job on exit 2
# and ends a shard without retry on exits 1 and 3; the image runs as a non-root
# user and installs every library flowrun links; run.sh passes shellcheck.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/e2e/lib.sh"
cd "$top_srcdir" || exit 1
kv=$top_srcdir/.tools/kv/bin/kubernetes-validate
py=$top_srcdir/.tools/kv/bin/python
[ -x "$kv" ] || tap_skip_all "kubernetes-validate not installed (scripts/install-deps.sh puts it in .tools/kv)"
tap_plan 11
T=$(fr_tmpdir)
K=deploy/kubernetes

"$kv" --strict --quiet "$K"/*.yaml >"$T/kv.out" 2>&1
tap_ok $? "every manifest of $K passes kubernetes-validate --strict ($(ls "$K"/*.yaml | wc -l) files)" "$(cat "$T/kv.out")"

# plant an unknown field in the generators' container and one in the Job's spec
sed 's/^        - name: flowrun$/        - name: flowrun\n          badField: 1/' "$K/generators-job.yaml" >"$T/bad.yaml"
"$kv" --strict --quiet "$T/bad.yaml" >"$T/bad.out" 2>&1
rc=$?
tap_like "$rc:$(tr '\n' ' ' <"$T/bad.out")" "^1:.*spec.template.spec.containers.0: Additional properties are not allowed \('badField' was unexpected\)" \
	"a planted unknown field fails, naming its path"
sed 's/^  completions: 4$/  completions: four/' "$K/generators-job.yaml" >"$T/bad2.yaml"
"$kv" --strict --quiet "$T/bad2.yaml" >"$T/bad2.out" 2>&1
tap_like "$?:$(tr '\n' ' ' <"$T/bad2.out")" "^1:.*spec.completions: 'four' is not of type 'integer'" "a planted value of the wrong type fails"

python3 scripts/gen-plans-configmap.py | diff -u "$K/plans-configmap.yaml" - >"$T/cm.diff"
tap_ok $? "$K/plans-configmap.yaml is what scripts/gen-plans-configmap.py writes (make deploy-configmap)" "$(head -20 "$T/cm.diff")"

# the ConfigMaps' plans, laid out as the pods mount them, load
mkdir -p "$T/opt/plans/common" "$T/opt/toxiproxy"
cp toxiproxy/config.json "$T/opt/toxiproxy/"
"$py" - "$K/plans-configmap.yaml" "$T/opt/plans" <<'PY'
import os, sys, yaml
for doc in yaml.safe_load_all(open(sys.argv[1])):
    if not doc:
        continue
    sub = "common" if doc["metadata"]["name"] == "flowrun-plans-common" else ""
    for key, text in doc["data"].items():
        open(os.path.join(sys.argv[2], sub, key), "w").write(text)
PY
# as the pods run them: the proxies file beside the plans, outside a git work tree
"$FLOWRUN" check --allow-outside "$T/opt/toxiproxy" "$T/opt/plans" >"$T/check.out" 2>&1
tap_ok $? "the plans of the ConfigMaps load as mounted ($(ls "$T/opt/plans"/*.yaml | wc -l) plans)" "$(head -5 "$T/check.out")"

"$py" - "$K/generators-job.yaml" "$K/merge-job.yaml" >"$T/n.out" <<'PY'
import sys, yaml
job = yaml.safe_load(open(sys.argv[1]))
merge = yaml.safe_load(open(sys.argv[2]))
spec = job["spec"]
args = spec["template"]["spec"]["containers"][0]["args"]
shards = args[args.index("--shards") + 1]
waiting = [e["value"] for e in merge["spec"]["template"]["spec"]["initContainers"][0]["env"] if e["name"] == "SHARDS"][0]
print(spec["completionMode"], spec["completions"], spec["parallelism"], shards, waiting, "--start-at" in args)
rules = {r["action"]: r.get("onExitCodes", {}).get("values") for r in spec["podFailurePolicy"]["rules"]}
print(rules.get("FailJob"), rules.get("FailIndex"), spec["backoffLimitPerIndex"])
print(merge["spec"]["backoffLimit"], merge["spec"]["template"]["spec"]["containers"][0]["args"][0].split()[:3])
margs = merge["spec"]["template"]["spec"]["containers"][0]["args"][0].split()
print(args[args.index("--allow-outside") + 1], margs[margs.index("--allow-outside") + 1])
PY
tap_is "$(sed -n 1p "$T/n.out")" "Indexed 4 4 4 4 True" \
	"an Indexed Job: completions, parallelism, --shards and the merge's count agree, with a common --start-at"
tap_is "$(sed -n 2p "$T/n.out")" "[2] [1, 3] 0" \
	"pod failure policy: exit 2 fails the Job, exits 1 and 3 end a shard without retry, no shard is retried"
tap_is "$(sed -n 3p "$T/n.out")" "0 ['exec', 'flowrun', 'merge']" "the merge Job runs flowrun merge once: its exit code is the verdict"
tap_is "$(sed -n 4p "$T/n.out")" "/opt/flowrun/toxiproxy /opt/flowrun/toxiproxy" \
	"the shards and the merge allow the image's proxies file (no git work tree there), as the check above"

# the image: Debian bookworm, a non-root user, every library flowrun links
cf=Containerfile
runtime=$(awk '/^FROM /{stage++} stage == 2' "$cf")
problems=
grep -q '^FROM debian:bookworm AS build$' "$cf" || problems+="no bookworm build stage; "
grep -q '^FROM debian:bookworm-slim$' "$cf" || problems+="no bookworm runtime stage; "
grep -q '^USER 10001:10001$' "$cf" || problems+="not run as uid 10001; "
grep -q '^COPY plans/ /opt/flowrun/plans/$' "$cf" || problems+="plans not in the image; "
for lib in $(readelf -d "$FLOWRUN" | awk '/NEEDED/ {gsub(/[][]/, "", $5); print $5}'); do
	case $lib in libasan* | libubsan* | libtsan* | libc.so* | libm.so* | libgcc_s* | ld-linux*) continue ;; esac
	pkg=$(dpkg -S "*/$lib" 2>/dev/null | grep -v -- '-dev' | head -1 | cut -d: -f1)
	[[ $pkg == lib*:* ]] && pkg=${pkg%%:*}
	if [ -z "$pkg" ]; then
		problems+="$lib: no package; "
	elif ! grep -qw -- "$pkg" <<<"$runtime"; then
		problems+="$lib ($pkg) not installed in the runtime stage; "
	fi
done
tap_check "the image: bookworm stages, non-root, the plans, and the package of every library flowrun links" "$problems"
if command -v shellcheck >/dev/null 2>&1; then
	tap_check "$K/run.sh passes shellcheck" "$(shellcheck "$K/run.sh" 2>&1)"
else
	tap_skip_missing "$K/run.sh passes shellcheck" "shellcheck not installed"
fi
tap_done
