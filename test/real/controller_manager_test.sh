#!/usr/bin/env bash
# Usage: controller_manager_test.sh HARNESS
# A real kube-apiserver with kube-controller-manager (`scripts/kube-apiserver run
# --with-controller-manager`, issue #18's "done when"): a Deployment applied server-side gets a
# ReplicaSet, and its status (replicas, observedGeneration) follows; `kubectl scale` changes
# spec.replicas through deployments/scale, the controllers follow again, and kubectl's apply entry
# in managedFields still owns spec.replicas (1.20 records no manager for writes through /scale);
# a deleted namespace goes away (the namespace controller). Pods stay Pending: there is no
# scheduler or kubelet. Every wait polls for the state it needs, up to 180 s.
set -uo pipefail
harness=$1

if [ "${STEWARD_REAL_APISERVER:-}" != 1 ]; then
  echo "skipped: set STEWARD_REAL_APISERVER=1 to run against a real kube-apiserver"
  exit 77
fi
# A server of its own, with the controller manager (a shared one for the whole run has none).
if [ -z "${STEWARD_REAL_APISERVER_DIR:-}" ] ||
   ! grep -q '^kube-controller-manager ' "$STEWARD_REAL_APISERVER_DIR/pids" 2>/dev/null; then
  exec "$harness" run --with-controller-manager -- "$0" "$@"
fi
export KUBECONFIG=$STEWARD_REAL_APISERVER_KUBECONFIG
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
k() { timeout 60 kubectl "$@"; }

# until_equal WHAT WANT CMD...: polls CMD until it prints WANT (180 s at most).
until_equal() {
  local what=$1 want=$2 got="" deadline=$((SECONDS + 180))
  shift 2
  while [ $SECONDS -lt $deadline ]; do
    got=$("$@" 2>/dev/null) && [ "$got" = "$want" ] && return 0
    sleep 0.5
  done
  fail "$what: want $want, still $got after 180 s"
  return 1
}

ns=cm-$$-$RANDOM
k create namespace "$ns" >/dev/null || fail "create namespace $ns"
cat >"${TMPDIR:-/tmp}/$ns-deploy.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: $ns}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: "nginx:1.25"}]}
YAML
out=$(k apply --server-side -f "${TMPDIR:-/tmp}/$ns-deploy.yaml" 2>&1) || fail "apply Deployment: $out"
rm -f "${TMPDIR:-/tmp}/$ns-deploy.yaml"

status() { k get -n "$ns" deployment web -o jsonpath='{.status.observedGeneration}/{.status.replicas}'; }
until_equal "Deployment status observedGeneration/replicas" 1/2 status
rs_replicas() { k get -n "$ns" replicasets -l app=web -o jsonpath='{.items[*].spec.replicas}'; }
until_equal "the ReplicaSet the deployment controller made" 2 rs_replicas
pods=$(k get -n "$ns" pods -l app=web -o jsonpath='{.items[*].status.phase}')
[ "$pods" = "Pending Pending" ] || fail "pods (no scheduler, no kubelet): want Pending Pending, got $pods"

out=$(k scale -n "$ns" deployment web --replicas=3 2>&1) || fail "kubectl scale: $out"
[ "$(k get -n "$ns" deployment web -o jsonpath='{.spec.replicas}')" = 3 ] || fail "spec.replicas after kubectl scale"
until_equal "Deployment status after scale" 2/3 status
until_equal "the ReplicaSet after scale" 3 rs_replicas

# managedFields: kubectl's Apply entry still owns spec.replicas; the controller manager's status
# writes are an Update of its own.
managers=$(k get -n "$ns" deployment web -o jsonpath='{range .metadata.managedFields[*]}{.manager}:{.operation} {end}')
[[ $managers == *kubectl:Apply* ]] || fail "managedFields lack kubectl's Apply entry: $managers"
[[ $managers == *kube-controller-manager:Update* ]] || fail "managedFields lack the controller manager: $managers"
# --raw: kubectl >= 1.21 leaves managedFields out of -o json.
owner=$(k get --raw "/apis/apps/v1/namespaces/$ns/deployments/web" |
        python3 -c 'import json,sys
d=json.load(sys.stdin)
print(" ".join(m["manager"] for m in d["metadata"]["managedFields"] if "f:replicas" in m.get("fieldsV1",{}).get("f:spec",{})))')
[ "$owner" = kubectl ] || fail "spec.replicas owned by [$owner], want kubectl alone"

# The namespace controller finishes a deletion (without it the namespace stays Terminating).
k delete namespace "$ns" --wait=false >/dev/null || fail "delete namespace"
gone() { k get namespace "$ns" >/dev/null 2>&1 && echo present || echo gone; }
until_equal "namespace $ns after delete" gone gone

[ $failures -eq 0 ] && echo "ok: kube-controller-manager made the ReplicaSet, followed kubectl scale, finished a namespace deletion"
exit $((failures > 0))
