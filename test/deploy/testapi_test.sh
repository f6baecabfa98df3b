#!/usr/bin/env bash
# Usage: testapi_test.sh STEWARD_BIN TESTAPI_BIN
# deploy/ against steward-testapi: kubectl applies the base's files with --server-side
# --dry-run=server (all but the kinds this server does not serve: RBAC, NetworkPolicy and
# PodDisruptionBudget; test/real/deploy_test.sh dry-runs those on a real kube-apiserver), the optional
# ServiceMonitor once its CRD exists; nothing is written by the dry run. Then steward itself runs
# the base's StewardConfig (made to run outside a pod: a kubeconfig, the example manifests in a
# folder) with --once and creates the example desired state.
# kubectl validates every file against the server's /openapi/v2, as against a cluster.
set -u
steward=$1
testapi=$2
failures=0
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_kubectl
base=$repo/deploy/base
tmp=$(mktemp -d "${TMPDIR:-/tmp}/steward-deploy-testapi-XXXXXX") || exit 1
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

"$testapi" --listen 127.0.0.1:0 --token t0ken --kubeconfig-out "$tmp/kubeconfig" \
  >"$tmp/testapi.out" 2>&1 &
pid=$!
for _ in $(seq 1 600); do grep -q '^listening ' "$tmp/testapi.out" && break; sleep 0.1; done
grep -q '^listening ' "$tmp/testapi.out" || { echo "FAIL: steward-testapi did not start"; exit 1; }
k() { timeout 60 kubectl --kubeconfig "$tmp/kubeconfig" "$@"; }

# A dry run of a namespaced object needs its namespace to exist: create it for real.
k apply --server-side -f "$base/namespace.yaml" >"$tmp/ns.out" 2>&1 ||
  fail "creating the namespace: $(cat "$tmp/ns.out")"

# Every resource file but those of groups this server does not serve, by name (-f of the files: no
# kustomize needed). The expected count keeps a new kind from being skipped unnoticed.
files=()
unserved=0
while read -r name; do
  api=$(field "$base/$name" '{{.apiVersion}}')
  case $api in
    rbac.authorization.k8s.io/* | networking.k8s.io/* | policy/*) unserved=$((unserved + 1)); continue ;;
  esac
  files+=(-f "$base/$name")
done < <(base_resources)
[ $unserved -eq 8 ] ||
  fail "expected 8 files the server does not serve (6 RBAC, NetworkPolicy, PodDisruptionBudget), found $unserved"
out=$(k apply --server-side --dry-run=server "${files[@]}" 2>&1); rc=$?
[ $rc -eq 0 ] || fail "kubectl apply --server-side --dry-run=server exited $rc: $out"
applied=$(grep -c 'serverside-applied (server dry run)$' <<<"$out")
[ "$applied" -eq $((${#files[@]} / 2)) ] ||
  fail "want $((${#files[@]} / 2)) objects applied in the dry run, got $applied: $out"
# The dry run wrote nothing.
k get deployment steward -n steward-system >"$tmp/get.out" 2>&1 &&
  fail "the dry run created Deployment steward"
grep -q NotFound "$tmp/get.out" || fail "get after the dry run: $(cat "$tmp/get.out")"

# The optional ServiceMonitor, once its CRD exists.
k apply --server-side -f "$repo/test/deploy/servicemonitor-crd.yaml" >"$tmp/crd.out" 2>&1 ||
  fail "creating the ServiceMonitor CRD: $(cat "$tmp/crd.out")"
k wait --for condition=established --timeout=30s crd/servicemonitors.monitoring.coreos.com \
  >"$tmp/wait.out" 2>&1 || fail "CRD not established: $(cat "$tmp/wait.out")"
out=$(k apply --server-side --dry-run=server \
        -f "$repo/deploy/optional/servicemonitor.yaml" 2>&1) ||
  fail "ServiceMonitor dry run: $out"
grep -q 'servicemonitor.monitoring.coreos.com/steward serverside-applied (server dry run)' <<<"$out" ||
  fail "ServiceMonitor dry run printed: $out"

# steward runs the base's config once: the example desired state appears, carrying steward's marks.
configmap_files "$base/manifests.yaml" "$tmp/manifests"
run_once() {
  local_config "$base/config.yaml" "$tmp/manifests" "$tmp/steward.yaml"
  "$steward" run --once --once-timeout 60 --config "$tmp/steward.yaml" --kubeconfig "$tmp/kubeconfig" \
    >"$tmp/run.log" 2>&1
}
# Leader election on, as deployed.
keep_leader_election=1 run_once; rc=$?
[ $rc -eq 0 ] || fail "steward run --once exited $rc: $(tail -n 5 "$tmp/run.log")"
check_managed "$tmp/manifests"

[ $failures -eq 0 ] && echo "deploy testapi: all checks passed"
exit $((failures > 0))
