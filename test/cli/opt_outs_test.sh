#!/usr/bin/env bash
# Issue #18 through `steward run --once` and `steward diff`, against steward-testapi or (REAL) a
# real kube-apiserver, whose 422 for an immutable field is what steward.dev/force must recognise:
# a suspended source (nothing written, --once exits 0 and says so), an unknown opt-out value (a
# load error at its line), steward.dev/force (without it a permanent error naming the field, with
# it the Deployment re-created), `steward diff` listing a reconcile-disabled drift as kept, and an
# ignore rule from the config leaving a field another manager changed to it.
set -u
steward=$1
testapi=$2
. "$(dirname "$0")/plain_testapi.sh" "$testapi"

config() {  # config FILE SOURCE-NAME SOURCE-PATH [SOURCE-LINE]
  printf 'apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources:\n- name: %s\n  path: %s\n%s\nmetrics: {bindAddress: "0"}\nhealth: {bindAddress: "0"}\n' \
    "$2" "$3" "${4:-  prune: false}" > "$1"
}
config_map() {  # config_map NAME COLOR [ANNOTATIONS]
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\n  annotations: {%s}\ndata:\n  color: %s\n' "$1" "${3:-}" "$2"
}
deployment() {  # deployment APP [ANNOTATIONS]
  printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: opt-web\n  annotations: {%s}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: %s}}\n  template:\n    metadata: {labels: {app: %s}}\n    spec:\n      containers: [{name: web, image: nginx:1.25}]\n' \
    "${2:-}" "$1" "$1"
}
web() { api GET /apis/apps/v1/namespaces/default/deployments/opt-web; }
selector() { web | grep -o '"matchLabels":{"app":"[^"]*"' | head -1 | cut -d'"' -f6; }
uid() { web | grep -o '"uid":"[^"]*"' | head -1 | cut -d'"' -f4; }
once() {  # once CONFIG LOG: steward run --once; prints its exit code
  "$steward" run --once --once-timeout 60 --config "$1" --kubeconfig "$dir/kubeconfig" > "$2" 2>&1
  echo $?
}

# A suspended source: --once ends with 0, writes nothing, and names the source.
mkdir -p "$dir/susp"
config_map opt-susp blue > "$dir/susp/a.yaml"
config "$dir/susp.yaml" susp "$dir/susp" "  suspend: true"
rc=$(once "$dir/susp.yaml" "$dir/susp.log")
[ "$rc" = 0 ] || fail "--once on a suspended source exited $rc: $(tail -n 3 "$dir/susp.log")"
[ "$(color opt-susp)" = "<absent>" ] || fail "a suspended source created opt-susp"
grep -q '"msg":"source suspended: nothing was applied or pruned for it","source":"susp"' "$dir/susp.log" ||
  fail "--once did not say the source is suspended: $(tail -n 3 "$dir/susp.log")"

# An unknown value: a load error at the annotation's line and column.
mkdir -p "$dir/typo"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: opt-typo\n  annotations:\n    steward.dev/ssa: Always\n' > "$dir/typo/a.yaml"
config "$dir/typo.yaml" typo "$dir/typo"
rc=$(once "$dir/typo.yaml" "$dir/typo.log")
[ "$rc" = 1 ] || fail "--once with an unknown opt-out value exited $rc"
grep -q 'a.yaml:6:22: steward.dev/ssa must be IfNotPresent, got \\"Always\\"' "$dir/typo.log" ||
  fail "no load error at the annotation: $(grep -m2 error "$dir/typo.log")"
[ "$(color opt-typo)" = "<absent>" ] || fail "a source that failed to load applied opt-typo"

# An immutable field: refused without force, the object re-created with it.
mkdir -p "$dir/force"
deployment web > "$dir/force/web.yaml"
config "$dir/force.yaml" force "$dir/force"
rc=$(once "$dir/force.yaml" "$dir/force1.log")
[ "$rc" = 0 ] || fail "creating opt-web exited $rc: $(tail -n 3 "$dir/force1.log")"
before=$(uid)
deployment www > "$dir/force/web.yaml"
rc=$(once "$dir/force.yaml" "$dir/force2.log")
[ "$rc" = 1 ] || fail "an immutable selector change without force exited $rc"
grep -q 'spec.selector is immutable, not applied (steward.dev/force: enabled deletes and re-creates the object)' "$dir/force2.log" ||
  fail "the 422 does not name the immutable field: $(grep -m1 'reconcile failed' "$dir/force2.log")"
[ "$(selector)" = web ] && [ "$(uid)" = "$before" ] || fail "opt-web changed without force"
deployment www "steward.dev/force: enabled" > "$dir/force/web.yaml"
rc=$(once "$dir/force.yaml" "$dir/force3.log")
[ "$rc" = 0 ] || fail "re-creating opt-web exited $rc: $(tail -n 3 "$dir/force3.log")"
[ "$(selector)" = www ] || fail "opt-web's selector is $(selector), not www"
[ "$(uid)" != "$before" ] || fail "opt-web was not re-created (same uid)"
grep -q '"msg":"audit","verb":"delete","action":"recreate"' "$dir/force3.log" ||
  fail "no audit line for the re-create's delete"

# steward diff: a reconcile-disabled object that drifted is kept, not a change.
mkdir -p "$dir/rd"
config_map opt-rd blue "steward.dev/reconcile: disabled" > "$dir/rd/a.yaml"
config "$dir/rd.yaml" rd "$dir/rd"
rc=$(once "$dir/rd.yaml" "$dir/rd.log")
[ "$rc" = 0 ] || fail "creating opt-rd exited $rc"
api PATCH '/api/v1/namespaces/default/configmaps/opt-rd?fieldManager=intruder' \
  '{"data":{"color":"red"}}' application/merge-patch+json > /dev/null
"$steward" diff --config "$dir/rd.yaml" --kubeconfig "$dir/kubeconfig" > "$dir/diff.out" 2> "$dir/diff.err"
rc=$?
[ "$rc" = 0 ] || fail "steward diff of a kept drift exited $rc: $(cat "$dir/diff.out" "$dir/diff.err")"
grep -q 'ConfigMap default/opt-rd: drifted (.data.color differs), not corrected: steward.dev/reconcile: disabled' "$dir/diff.err" ||
  fail "steward diff did not list opt-rd as kept: $(cat "$dir/diff.err")"
[ "$(color opt-rd)" = red ] || fail "opt-rd was reverted"

# An ignore rule from the StewardConfig reaches the daemon: a field another manager changed by an
# Update is left to it by `steward run`; the same source without the rule reverts it.
mkdir -p "$dir/ign"
config_map opt-ign blue > "$dir/ign/a.yaml"
config "$dir/ign.yaml" ign "$dir/ign" \
  '  ignore: [{paths: ["/data/color"], target: {kind: ConfigMap}}]'
rc=$(once "$dir/ign.yaml" "$dir/ign1.log")
[ "$rc" = 0 ] || fail "creating opt-ign exited $rc: $(tail -n 3 "$dir/ign1.log")"
api PATCH '/api/v1/namespaces/default/configmaps/opt-ign?fieldManager=editor' \
  '{"data":{"color":"red"}}' application/merge-patch+json > /dev/null
rc=$(once "$dir/ign.yaml" "$dir/ign2.log")
[ "$rc" = 0 ] || fail "--once with an ignored change exited $rc: $(tail -n 3 "$dir/ign2.log")"
[ "$(color opt-ign)" = red ] || fail "the ignore rule did not keep editor's color: $(color opt-ign)"
grep -q '"msg":"audit"' "$dir/ign2.log" && fail "steward wrote despite the ignore rule"
config "$dir/noign.yaml" ign "$dir/ign"
rc=$(once "$dir/noign.yaml" "$dir/ign3.log")
[ "$rc" = 0 ] || fail "--once without the rule exited $rc"
[ "$(color opt-ign)" = blue ] || fail "without the rule the color was not reverted: $(color opt-ign)"

[ "$failures" -eq 0 ] && echo "opt-outs: all passed"
exit $((failures > 0))
