#!/usr/bin/env bash
# Issue #19's "done when", through `steward run --once --wait`, against steward-testapi or (REAL,
# with kube-controller-manager: test/cli/CMakeLists.txt) a real kube-apiserver:
#  1. a source with ConfigMaps and a CRD and a custom resource of it: --wait holds while the CR has
#     no status (its CRD has the status subresource: InProgress, not kstatus's Current), and exits
#     0 once the test sets its Ready condition;
#  2. a Deployment with progressDeadlineSeconds: 10 ends Failed (ProgressDeadlineExceeded: on the
#     real server the deployment controller says so, as no Pod ever runs; on steward-testapi,
#     which has no controllers, the test writes that status), and `--once --wait --timeout 120s`
#     exits 1 within 30 s naming it; a source that dependsOn it is never applied;
#  3. `steward status` against a running steward shows all of that.
# Usage: health_test.sh STEWARD STEWARD-TESTAPI   (KEEP=1 keeps the work folder)
set -u
steward=$1
. "$(dirname "$0")/plain_testapi.sh" "$2"
ns=health-$$-$RANDOM

# run_wait CONFIG LOG [FLAG...]: `steward run --once --wait` in the background; sets $wait_pid.
run_wait() {
  local config=$1 log=$2
  shift 2
  "$steward" run --once --wait --config "$config" --kubeconfig "$dir/kubeconfig" "$@" >"$log" 2>&1 &
  wait_pid=$!
  pids+=($wait_pid)
}
exists() { curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$server$1" | grep -q 200; }
config() {  # config FILE SOURCES-YAML: /metrics and the probes on free loopback ports
  printf 'apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources:\n%s\nreconcile: {debounce: 100ms}\nmetrics: {bindAddress: "127.0.0.1:0"}\nhealth: {bindAddress: "127.0.0.1:0"}\n' \
    "$2" >"$1"
}

# 1. ConfigMaps, a CRD and a custom resource whose status the test sets.
mkdir -p "$dir/base"
printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n' "$ns" >"$dir/base/ns.yaml"
for name in one two; do
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: %s}\ndata: {a: b}\n' "$name" "$ns" \
    >"$dir/base/cm-$name.yaml"
done
cat >"$dir/base/crd.yaml" <<YAML
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.health.example.com}
spec:
  group: health.example.com
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
YAML
printf 'apiVersion: health.example.com/v1\nkind: Gadget\nmetadata: {name: g, namespace: %s}\nspec: {size: 1}\n' "$ns" \
  >"$dir/base/gadget.yaml"
config "$dir/base.yaml" "- {name: base, path: $dir/base}"
start=$SECONDS
run_wait "$dir/base.yaml" "$dir/base.log" --timeout 120s
gadget=/apis/health.example.com/v1/namespaces/$ns/gadgets/g
wait_for 60 exists "$gadget" || fail "steward did not create the Gadget: $(tail -n 3 "$dir/base.log")"
# The CR is there with no status: --wait must still be waiting. Two resyncs' worth of time for it
# to (wrongly) finish first.
sleep 2   # giving a wrong exit the time to happen, not waiting for a condition
kill -0 "$wait_pid" 2>/dev/null || fail "--wait ended while the Gadget had no status: $(tail -n 3 "$dir/base.log")"
grep -q '"kind":"Gadget"' <(api GET "$gadget") || fail "cannot read the Gadget"
api PATCH "$gadget/status" \
  '{"status":{"conditions":[{"type":"Ready","status":"True","reason":"Built","message":"ready"}]}}' \
  application/merge-patch+json >/dev/null
wait_exit "$wait_pid" 60; rc=$?
[ "$rc" = 0 ] || fail "--once --wait with every object Current exited $rc: $(tail -n 5 "$dir/base.log")"
grep -q '"msg":"in sync"' "$dir/base.log" || fail "no in-sync line: $(tail -n 3 "$dir/base.log")"
echo "base_wait_seconds=$((SECONDS - start))"

# 2. A Deployment that fails, and a source that depends on it.
mkdir -p "$dir/web" "$dir/after"
cat >"$dir/web/web.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: $ns}
spec:
  replicas: 1
  progressDeadlineSeconds: 10
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: "nginx:1.25"}]}
YAML
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: after, namespace: %s}\ndata: {a: b}\n' "$ns" >"$dir/after/cm.yaml"
config "$dir/web.yaml" "- {name: web, path: $dir/web}
- {name: after, path: $dir/after, dependsOn: [web]}"
start=$(now)
run_wait "$dir/web.yaml" "$dir/web.log" --timeout 120s
deployment=/apis/apps/v1/namespaces/$ns/deployments/web
wait_for 60 exists "$deployment" || fail "steward did not create the Deployment: $(tail -n 3 "$dir/web.log")"
if [ -z "$real_apiserver" ]; then
  # What the deployment controller writes once the deadline has passed with no Pod available.
  generation=$(api GET "$deployment" | grep -o '"generation":[0-9]*' | head -1 | cut -d: -f2)
  api PATCH "$deployment/status" "{\"status\":{\"observedGeneration\":${generation:-1},\"replicas\":1,\"unavailableReplicas\":1,\"conditions\":[{\"type\":\"Available\",\"status\":\"False\",\"reason\":\"MinimumReplicasUnavailable\"},{\"type\":\"Progressing\",\"status\":\"False\",\"reason\":\"ProgressDeadlineExceeded\",\"message\":\"ReplicaSet \\\"web-1\\\" has timed out progressing.\"}]}}" \
    application/merge-patch+json >/dev/null
fi
wait_exit "$wait_pid" 60; rc=$?
took=$(elapsed "$start")
[ "$rc" = 1 ] || fail "--once --wait with a failed Deployment exited $rc"
awk -v t="$took" 'BEGIN { exit !(t <= 30) }' || fail "--once --wait took $took s to fail (limit 30 s)"
grep -q '"msg":"object failed".*Deployment '"$ns"'/web: Failed (ProgressDeadlineExceeded' "$dir/web.log" ||
  fail "the failed Deployment is not named: $(grep -m3 'error' "$dir/web.log")"
exists "/api/v1/namespaces/$ns/configmaps/after" && fail "the source that depends on web was applied"
grep -q 'waiting for source web (dependsOn)' "$dir/web.log" ||
  fail "the dependent source's wait is not logged: $(grep -m2 after "$dir/web.log")"
echo "failed_wait_seconds=$took"

# 3. steward status on a running steward shows all of it: the failed Deployment's source, the
# source waiting for it, and the Deployment by name with its reason.
run_steward "$dir/web.yaml" "$dir/kubeconfig"
status_shows_failed() {
  "$steward" status --address "127.0.0.1:$metrics" >"$dir/status.out" 2>&1
  grep -q '^web .*Failed' "$dir/status.out"
}
# The Deployment is Failed already: steward sees it on its first list.
wait_for 60 status_shows_failed || fail "steward status does not show web Failed: $(cat "$dir/status.out")"
"$steward" status --address "127.0.0.1:$metrics" >"$dir/status.out" 2>&1
rc=$?
[ "$rc" = 1 ] || fail "steward status with a Failed object exited $rc"
grep -q '^after .*False .*Waiting for web' "$dir/status.out" ||
  fail "steward status does not show after waiting for web: $(cat "$dir/status.out")"
grep -q "^web .*Deployment .*$ns/web .*Failed .*ProgressDeadlineExceeded" "$dir/status.out" ||
  fail "steward status does not name the failed Deployment: $(cat "$dir/status.out")"
exists "/api/v1/namespaces/$ns/configmaps/after" && fail "the running steward applied the source that depends on web"

[ "$failures" -eq 0 ] && echo "health: all passed"
exit $((failures > 0))
