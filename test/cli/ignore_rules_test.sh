#!/usr/bin/env bash
# Issue #18's "done when", through `steward run` and kubectl, against steward-testapi or (REAL, with
# kube-controller-manager: test/cli/CMakeLists.txt) a real kube-apiserver:
#  1. a Deployment with `replicas: 2` and the rule `paths: ["/spec/replicas"]`: `kubectl scale
#     --replicas=5` holds through $HOLD seconds (default 60) of 2 s resyncs with no steward write; an
#     image change in the manifest is applied (the controller manager rolls it out, on the real
#     server) and leaves replicas at 5; a deleted Deployment is re-created with 2;
#  2. without the rule, the same scale is reverted to 2 within a second ($REVERT_LIMIT; sanitizer
#     builds get 3 s), with one write;
#  3. `managers: ["kubectl-edit"]`: a field changed by `kubectl edit` stays as edited; a field
#     `kubectl patch` changed (a manager not listed) is corrected; a manifest change of the edited
#     field is applied, a manifest change of another field leaves it.
# "A steward write" is an audit line in steward's log: one is printed for every write it sends.
# Usage: ignore_rules_test.sh STEWARD STEWARD-TESTAPI   (KEEP=1 keeps the work folder)
set -u
steward=$1
. "$(dirname "$0")/plain_testapi.sh" "$2" --tls
# Sanitizer builds (scripts/test sets STEWARD_SANITIZER) run several times slower, and the hold is
# the same code at every length: 20 s there, for CI's time.
if [ -n "${STEWARD_SANITIZER:-}" ]; then hold=${HOLD:-20} revert_limit=${REVERT_LIMIT:-3}
else hold=${HOLD:-60} revert_limit=${REVERT_LIMIT:-1}; fi
export KUBECONFIG=$dir/kubeconfig
k() { timeout 60 kubectl "$@"; }
ns=ign-$$-$RANDOM
# Applied, not `kubectl create namespace`: that one sends protobuf, which steward-testapi does not read.
printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n' "$ns" | k apply --server-side -f - >/dev/null ||
  fail "create namespace $ns"

deployment() {  # deployment IMAGE
  printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: %s}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: c, image: "%s"}]\n' \
    "$ns" "$1"
}
# config FILE SOURCE-PATH [IGNORE-YAML]: a StewardConfig with one source, s, resyncs every 2 s,
# /metrics and the probes on free loopback ports.
config() {
  printf 'apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources:\n- {name: s, path: %s%s}\nreconcile: {resyncPeriod: 2s, debounce: 100ms}\nmetrics: {bindAddress: "127.0.0.1:0"}\nhealth: {bindAddress: "127.0.0.1:0"}\n' \
    "$2" "${3:+, ignore: $3}" >"$1"
}
field() { k get -n "$ns" deployment web -o jsonpath="{$1}" 2>/dev/null; }
replicas() { field .spec.replicas; }
writes() { grep -c '"msg":"audit"' "$log"; }
stop_steward() { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; }
# in_sync_reconciles: reconciles of Deployments that found them in sync, from /metrics.
in_sync_reconciles() { metric "$metrics" 'steward_reconcile_total{resource="deployments.apps",result="in_sync"}'; }

# 1. The paths rule.
mkdir -p "$dir/apps"
deployment nginx:1.25 >"$dir/apps/web.yaml"
config "$dir/rule.yaml" "$dir/apps" '[{paths: ["/spec/replicas"], target: {kind: Deployment}}]'
run_steward "$dir/rule.yaml" "$dir/kubeconfig"
replicas_are() { [ "$(replicas)" = "$1" ]; }
wait_for 60 replicas_are 2 || fail "steward did not create the Deployment with 2 replicas: $(replicas)"
wait_for 30 eval '[ "$(writes)" -gt 0 ]' || fail "no audit line for the create"
before_uid=$(field .metadata.uid)
writes_before=$(writes)
resyncs_before=$(in_sync_reconciles)
out=$(k scale -n "$ns" deployment web --replicas=5 2>&1) || fail "kubectl scale: $out"
start=$SECONDS
while [ $((SECONDS - start)) -lt "$hold" ]; do
  got=$(replicas)
  [ "$got" = 5 ] || { fail "replicas went back to $got $((SECONDS - start)) s after kubectl scale"; break; }
  sleep 1   # a sample per second through the hold, not a wait for a condition
done
[ "$(writes)" = "$writes_before" ] ||
  fail "steward wrote during the hold: $(grep '"msg":"audit"' "$log" | tail -n +$((writes_before + 1)) | head -3)"
resyncs=$(($(in_sync_reconciles) - resyncs_before))
[ "$resyncs" -ge $((hold / 4)) ] || fail "only $resyncs in-sync reconciles of the Deployment in $hold s of 2 s resyncs"
grep -q '"msg":"drift ignored".*"fields":"/spec/replicas by ignore\[0\] (paths /spec/replicas)' "$log" ||
  fail "no reconcile line names the rule: $(grep -m1 'drift ignored' "$log")"

deployment nginx:1.26 >"$dir/apps/web.yaml.tmp" && mv "$dir/apps/web.yaml.tmp" "$dir/apps/web.yaml"
image_is() { [ "$(field '.spec.template.spec.containers[0].image')" = "$1" ]; }
wait_for 60 image_is nginx:1.26 || fail "the image change was not applied: $(field '.spec.template.spec.containers[0].image')"
[ "$(replicas)" = 5 ] || fail "the image change reset replicas to $(replicas)"
if [ -n "$real_apiserver" ]; then
  # The deployment controller rolls the new template out: a ReplicaSet with the new image, and
  # the Deployment's status at its generation.
  new_rs() { k get -n "$ns" replicasets -l app=web -o jsonpath='{range .items[*]}{.spec.template.spec.containers[0].image}{"\n"}{end}' | grep -qx nginx:1.26; }
  wait_for 120 new_rs || fail "no ReplicaSet with nginx:1.26 after the image change"
  observed() { [ "$(field .status.observedGeneration)" = "$(field .metadata.generation)" ]; }
  wait_for 120 observed || fail "the deployment controller did not observe the new generation"
  [ "$(replicas)" = 5 ] || fail "replicas is $(replicas) after the rollout"
fi

k delete -n "$ns" deployment web --wait=false >/dev/null || fail "kubectl delete deployment"
recreated() { uid=$(field .metadata.uid); [ -n "$uid" ] && [ "$uid" != "$before_uid" ]; }
wait_for 60 recreated || fail "the deleted Deployment was not re-created"
wait_for 10 replicas_are 2 || fail "the re-created Deployment has $(replicas) replicas, not 2"
stop_steward

# 2. No rule: the same scale is reverted at once, with one write.
config "$dir/norule.yaml" "$dir/apps"
run_steward "$dir/norule.yaml" "$dir/kubeconfig"
wait_for 30 eval '[ "$(in_sync_reconciles)" -gt 0 ]' || fail "no in-sync reconcile of the Deployment"
writes_before=$(writes)
out=$(k scale -n "$ns" deployment web --replicas=5 2>&1) || fail "kubectl scale: $out"
scaled=$(now)
wait_for 30 replicas_are 2 || fail "without the rule, kubectl scale was not reverted: $(replicas)"
took=$(elapsed "$scaled")
awk -v t="$took" -v l="$revert_limit" 'BEGIN { exit !(t <= l) }' ||
  fail "the revert took $took s (limit $revert_limit s)"
wait_for 5 eval '[ "$(writes)" -gt "$writes_before" ]'
# A few resyncs later, still one write.
resyncs_before=$(in_sync_reconciles)
wait_for 30 eval '[ "$(in_sync_reconciles)" -ge $((resyncs_before + 2)) ]' || fail "no resync after the revert"
[ $(($(writes) - writes_before)) = 1 ] ||
  fail "the revert took $(($(writes) - writes_before)) writes: $(grep '"msg":"audit"' "$log" | tail -n +$((writes_before + 1)))"
echo "revert_seconds=$took"
stop_steward

# 3. The managers rule: kubectl edit's field is left to it, kubectl patch's is corrected.
mkdir -p "$dir/cm"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: %s}\ndata: {color: blue, size: small}\n' "$ns" \
  >"$dir/cm/settings.yaml"
config "$dir/managers.yaml" "$dir/cm" '[{managers: ["kubectl-edit"]}]'
run_steward "$dir/managers.yaml" "$dir/kubeconfig"
cm() { k get -n "$ns" configmap settings -o jsonpath="{.data.$1}" 2>/dev/null; }
cm_is() { [ "$(cm "$1")" = "$2" ]; }
wait_for 60 cm_is color blue || fail "steward did not create the ConfigMap"
in_sync() { metric "$metrics" 'steward_reconcile_total{resource="configmaps",result="in_sync"}'; }
# resyncs N: N more in-sync reconciles of the ConfigMap
resyncs() {
  local target=$(($(in_sync) + $1))
  wait_for 30 eval '[ "$(in_sync)" -ge '"$target"' ]' || fail "no resyncs of the ConfigMap"
}
edit_color() {  # edit_color FROM TO: kubectl edit, as a person would
  out=$(KUBE_EDITOR="sed -i s/color:\\ $1/color:\\ $2/" k edit -n "$ns" configmap settings 2>&1) || fail "kubectl edit: $out"
  cm_is color "$2" || fail "kubectl edit did not change the color: $(cm color)"
}
writes_before=$(writes)
edit_color blue red
resyncs 2
cm_is color red || fail "the color kubectl edit set was reverted to $(cm color)"
[ "$(writes)" = "$writes_before" ] ||
  fail "kubectl edit's color cost steward writes: $(grep '"msg":"audit"' "$log" | tail -n +$((writes_before + 1)))"
# A manifest change of the field kubectl edit took is applied (a manifest change is never
# ignored), though steward has not written the object since kubectl edit took it.
sed -i 's/color: blue/color: green/' "$dir/cm/settings.yaml"
wait_for 30 cm_is color green || fail "the manifest's change of data.color was not applied: $(cm color)"
edit_color green red
out=$(k patch -n "$ns" configmap settings -p '{"data":{"size":"large"}}' 2>&1) || fail "kubectl patch: $out"
wait_for 30 cm_is size small || fail "the field kubectl patch changed was not corrected: $(cm size)"
resyncs 3
cm_is color red || fail "the color kubectl edit set was reverted to $(cm color)"
managers=$(k get --raw "/api/v1/namespaces/$ns/configmaps/settings" |
           python3 -c 'import json,sys
d=json.load(sys.stdin)
print(" ".join(sorted(m["manager"] for m in d["metadata"]["managedFields"] if "f:color" in m.get("fieldsV1",{}).get("f:data",{}))))')
[ "$managers" = kubectl-edit ] || fail "data.color is owned by [$managers], want kubectl-edit alone"
# A manifest change elsewhere leaves the field kubectl edit took alone.
sed -i 's/size: small/size: medium/' "$dir/cm/settings.yaml"
wait_for 30 cm_is size medium || fail "the manifest's change of data.size was not applied: $(cm size)"
cm_is color red || fail "a manifest change of data.size reverted kubectl edit's color to $(cm color)"
stop_steward

[ "$failures" -eq 0 ] && echo "ignore rules: all passed"
exit $((failures > 0))
