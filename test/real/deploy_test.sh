#!/usr/bin/env bash
# Usage: deploy_test.sh HARNESS STEWARD_BIN
# deploy/ against a real kube-apiserver (v1.20.2):
#  1. the rendered base (`kubectl kustomize deploy/base`) passes `kubectl apply --server-side
#     --dry-run=server`: every object, RBAC included, as the real server validates and defaults it
#     (kubectl also checks the fields against the server's OpenAPI). A dry run of a namespaced
#     object needs its namespace to exist, so the Namespace is applied for real first.
#     The PodDisruptionBudget's policy/v1 component (deploy/components/pdb-policy-v1) is refused
#     by this 1.20 server (policy/v1 is GA from 1.21: why the base has policy/v1beta1);
#  2. the optional ServiceMonitor passes the same dry run once a stand-in of its CRD exists;
#  3. the base applied for real, steward runs its config with the ServiceAccount's own token (a
#     TokenRequest), so the ClusterRole and Role are shown to be enough; and `kubectl auth can-i`
#     as that account shows they are no more than they should be.
# No controller-manager runs, so the Deployment makes no pods; nothing is deleted at the end (a
# Namespace would stay Terminating without the namespace controller). Skipped unless
# STEWARD_REAL_APISERVER=1; uses the server named by STEWARD_REAL_APISERVER_KUBECONFIG, else starts
# one through HARNESS.
set -u
harness=$1
steward=$2

if [ "${STEWARD_REAL_APISERVER:-}" != 1 ]; then
  echo "skipped: set STEWARD_REAL_APISERVER=1 to run against a real kube-apiserver"
  exit 77
fi
if [ -z "${STEWARD_REAL_APISERVER_KUBECONFIG:-}" ] || [ ! -f "$STEWARD_REAL_APISERVER_KUBECONFIG" ]; then
  exec "$harness" run -- "$0" "$@"
fi
export KUBECONFIG=$STEWARD_REAL_APISERVER_KUBECONFIG

failures=0
# shellcheck source=../deploy/lib.sh
. "$(dirname "$0")/../deploy/lib.sh"
need_kubectl
base=$repo/deploy/base
tmp=$(mktemp -d "${TMPDIR:-/tmp}/steward-deploy-real-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
k() { timeout 120 kubectl "$@"; }
sa=system:serviceaccount:steward-system:steward

kubectl kustomize "$base" >"$tmp/rendered.yaml" || { echo "FAIL: kubectl kustomize deploy/base"; exit 1; }
objects=$(field "$tmp/rendered.yaml" '{{.kind}}{{"\n"}}' | grep -c .)

# 1. The server-side dry run of the whole base.
k apply --server-side -f "$base/namespace.yaml" >"$tmp/ns.out" 2>&1 ||
  fail "applying the Namespace: $(cat "$tmp/ns.out")"
out=$(k apply --server-side --dry-run=server -f "$tmp/rendered.yaml" 2>&1); rc=$?
echo "$out"
[ $rc -eq 0 ] || fail "kubectl apply --server-side --dry-run=server of the rendered base exited $rc"
applied=$(grep -c 'serverside-applied (server dry run)$' <<<"$out")
[ "$applied" -eq "$objects" ] || fail "dry run applied $applied of $objects objects"
k get deployment steward -n steward-system >/dev/null 2>&1 && fail "the dry run created the Deployment"

# The PodDisruptionBudget is policy/v1beta1 because this server (1.20) has no policy/v1; the
# component for 1.25 and later (deploy/components/pdb-policy-v1) renders policy/v1, which a server
# from 1.21 on accepts. Whichever this server is, the two agree with it.
minor=$(k version -o json 2>/dev/null | sed -n 's/.*"minor": *"\([0-9]*\).*/\1/p' | tail -n 1)
overlay=$tmp/overlay-pdb-v1
mkdir -p "$overlay"
deploy=$(realpath --relative-to="$overlay" "$repo/deploy")
printf 'resources:\n  - %s/base\ncomponents:\n  - %s/components/pdb-policy-v1\n' "$deploy" "$deploy" \
  >"$overlay/kustomization.yaml"
kubectl kustomize "$overlay" >"$tmp/pdb-v1.yaml" || fail "kubectl kustomize with components/pdb-policy-v1"
out=$(k apply --server-side --dry-run=server -f "$tmp/pdb-v1.yaml" 2>&1); rc=$?
if [ "${minor:-0}" -lt 21 ]; then
  [ $rc -ne 0 ] && grep -q 'policy/v1' <<<"$out" ||
    fail "a 1.$minor server accepted policy/v1 PodDisruptionBudget, or refused something else: $out"
else
  [ $rc -eq 0 ] || fail "the base with components/pdb-policy-v1 on a 1.$minor server: $out"
fi

# 2. The optional ServiceMonitor.
k apply --server-side -f "$repo/test/deploy/servicemonitor-crd.yaml" >"$tmp/crd.out" 2>&1 ||
  fail "creating the ServiceMonitor CRD: $(cat "$tmp/crd.out")"
k wait --for condition=established --timeout=60s crd/servicemonitors.monitoring.coreos.com \
  >"$tmp/wait.out" 2>&1 || fail "CRD not established: $(cat "$tmp/wait.out")"
out=$(k apply --server-side --dry-run=server -f "$repo/deploy/optional/servicemonitor.yaml" 2>&1) ||
  fail "ServiceMonitor dry run: $out"
grep -q 'serverside-applied (server dry run)' <<<"$out" || fail "ServiceMonitor dry run printed: $out"

# 3. For real, then steward as its own ServiceAccount.
out=$(k apply --server-side -f "$tmp/rendered.yaml" 2>&1) || fail "applying the base: $out"
# As the server stored them (defaults applied): one eviction at a time, and the policy's ports.
got=$(k get poddisruptionbudget steward -n steward-system -o 'jsonpath={.spec.maxUnavailable}' 2>&1)
[ "$got" = 1 ] || fail "PodDisruptionBudget steward maxUnavailable: $got"
got=$(k get networkpolicy steward -n steward-system \
        -o 'jsonpath={.spec.policyTypes} {.spec.ingress[*].ports[*].port} {.spec.egress[*].ports[*].port}' 2>&1)
[ "$got" = '["Ingress","Egress"] 8080 8081 53 53 443 6443' ] || fail "NetworkPolicy steward as stored: $got"
token=$(k create token steward -n steward-system --duration=10m 2>"$tmp/token.err") ||
  fail "TokenRequest for steward-system/steward: $(cat "$tmp/token.err")"
sed "s#^\(\s*token:\).*#\1 $token#" "$KUBECONFIG" >"$tmp/sa.kubeconfig"
grep -qF "$token" "$tmp/sa.kubeconfig" || fail "could not write the ServiceAccount's kubeconfig"

who=$(kubectl --kubeconfig "$tmp/sa.kubeconfig" auth can-i --list -n steward-system 2>&1 | head -n 1)
out=$("$steward" check --kubeconfig "$tmp/sa.kubeconfig" 2>&1) ||
  fail "steward check as the ServiceAccount (discovery must be allowed): $out ($who)"

can() {  # can yes|no VERB RESOURCE [NAMESPACE-FLAGS...]
  local want=$1; shift
  got=$(kubectl --kubeconfig "$tmp/sa.kubeconfig" auth can-i "$@" 2>/dev/null)
  [ "$got" = "$want" ] || fail "can-i $* as $sa: $got, want $want"
}
for verb in get list watch create patch; do
  can yes "$verb" namespaces
done
# A Namespace takes its contents along: delete only on the desired state's, by name.
can yes delete namespaces/steward-example
can no delete namespaces
can no delete namespaces/kube-system
for verb in get list watch create patch delete; do
  can yes "$verb" configmaps --all-namespaces
done
for verb in create patch update; do
  can yes "$verb" events --all-namespaces
  can yes "$verb" events.events.k8s.io --all-namespaces
done
can yes create leases.coordination.k8s.io -n steward-system
can yes get leases.coordination.k8s.io/steward -n steward-system
can yes update leases.coordination.k8s.io/steward -n steward-system
can no update leases.coordination.k8s.io/other -n steward-system
can no update leases.coordination.k8s.io/steward -n default
can no create leases.coordination.k8s.io -n kube-system
can no get secrets --all-namespaces
can no list secrets -n steward-system
# The source's inventory Secret, by name, in steward's namespace.
can yes get secrets/steward-steward-manifests -n steward-system
can yes patch secrets/steward-steward-manifests -n steward-system
can yes create secrets -n steward-system
can no get secrets/other -n steward-system
can no patch secrets/steward-steward-manifests -n default
can no patch deployments.apps -n steward-system
can no update configmaps --all-namespaces
can no delete events --all-namespaces
# --metrics-secure: the reviews of each scrape.
can yes create tokenreviews.authentication.k8s.io
can yes create subjectaccessreviews.authorization.k8s.io
can no get tokenreviews.authentication.k8s.io
can no create clusterrolebindings.rbac.authorization.k8s.io
can no '*' '*'

# steward-metrics-reader lets whoever it is bound to get /metrics, and nothing else.
prom=system:serviceaccount:monitoring:prometheus
[ "$(k auth can-i get /metrics --as="$prom" 2>/dev/null)" = no ] || fail "$prom may get /metrics unbound"
k create clusterrolebinding steward-metrics-test --clusterrole=steward-metrics-reader \
  --serviceaccount=monitoring:prometheus >"$tmp/bind.out" 2>&1 || fail "binding: $(cat "$tmp/bind.out")"
[ "$(k auth can-i get /metrics --as="$prom" 2>/dev/null)" = yes ] ||
  fail "steward-metrics-reader does not let $prom get /metrics"
[ "$(k auth can-i list configmaps --as="$prom" 2>/dev/null)" = no ] ||
  fail "steward-metrics-reader grants more than /metrics"

# steward run --once on the base's config and example manifests, with the ServiceAccount's token.
configmap_files "$base/manifests.yaml" "$tmp/manifests"
run_once() {
  local_config "$base/config.yaml" "$tmp/manifests" "$tmp/steward.yaml"
  "$steward" run --once --once-timeout 120 --config "$tmp/steward.yaml" \
    --kubeconfig "$tmp/sa.kubeconfig" >"$tmp/run.log" 2>&1
}
# Leader election on, as deployed (the Lease in the POD_NAMESPACE the Deployment sets).
export POD_NAMESPACE=steward-system
keep_leader_election=1 run_once; rc=$?
[ $rc -eq 0 ] || fail "steward run --once as $sa exited $rc: $(tail -n 5 "$tmp/run.log")"
check_managed "$tmp/manifests"

[ $failures -eq 0 ] && echo "ok: deploy/base dry-runs and applies on the real server; its RBAC lets steward run, and no more"
exit $((failures > 0))
