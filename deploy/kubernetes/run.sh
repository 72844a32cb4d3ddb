#!/usr/bin/env bash
# run.sh: one run of a plan on Kubernetes as N shards, and its verdict as this script's exit code.
#
#   deploy/kubernetes/run.sh PLAN TARGET_URL [TIME_SCALE]
#
# PLAN is a plan of plans/ (plans/event-rate.yaml); the cluster finds it in the
# flowrun-plans ConfigMap (make deploy-configmap) at /opt/flowrun/plans. The
# common start is computed here, once — now + FLOWRUN_START_LEAD seconds
# (default 120: time for the pods to be scheduled and the image pulled) — and
# written with the run id into the flowrun-run ConfigMap that every pod reads.
# Then the generators' Indexed Job and the merge Job are (re)created; the merge
# pod's exit code is the run's (0 met, 1 an SLO failed, 3 invalid, 2/4 errors).
# Needs kubectl with access to the cluster; a local ./flowrun (if built) gives
# the plan's length, else FLOWRUN_MAX_SECONDS (default 3600) bounds the wait.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { echo "usage: $0 PLAN TARGET_URL [TIME_SCALE]" >&2; exit 2; }
plan=$1 target=$2 scale=${3:-1}
lead=${FLOWRUN_START_LEAD:-120}
name=$(basename "$plan" .yaml)
start=$(($(date +%s) + lead))
run_id="$name-$(date -u -d "@$start" +%Y%m%d-%H%M%S)"
seconds=${FLOWRUN_MAX_SECONDS:-3600}
if [ -x "$here/../../flowrun" ]; then
	seconds=$("$here/../../flowrun" plan "$plan" --json --time-scale "$scale" | jq '.totals.duration_s | ceil')
fi
merge_after=$((start + seconds + 300))

kubectl apply -f "$here/namespace.yaml" -f "$here/plans-configmap.yaml" -f "$here/results-pvc.yaml"
kubectl -n flowrun create configmap flowrun-run --dry-run=client -o yaml \
	--from-literal=plan="/opt/flowrun/plans/$(basename "$plan")" --from-literal=target-url="$target" \
	--from-literal=time-scale="$scale" --from-literal=start-at="$start" --from-literal=run-id="$run_id" \
	--from-literal=merge-after="$merge_after" | kubectl apply -f -
kubectl -n flowrun delete job flowrun-generators flowrun-merge --ignore-not-found --wait
kubectl apply -f "$here/generators-job.yaml" -f "$here/merge-job.yaml"
echo "run $run_id: $name starts at $(date -u -d "@$start" +%FT%TZ), verdict after $(date -u -d "@$merge_after" +%FT%TZ) at the latest" >&2

# the merge pod's exit code, once it has one
code=
while [ -z "$code" ]; do
	sleep 10
	code=$(kubectl -n flowrun get pods -l job-name=flowrun-merge \
		-o jsonpath='{.items[0].status.containerStatuses[0].state.terminated.exitCode}' 2>/dev/null || true)
done
kubectl -n flowrun logs job/flowrun-merge -c merge
exit "$code"
