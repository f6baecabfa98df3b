#!/usr/bin/env bash
# SIGTERM in the middle of a burst: steward run --leader-elect creates 300 ConfigMaps through a
# client throttle that makes it take several seconds, and gets SIGTERM part-way. It exits 0 within
# --graceful-shutdown-timeout, releases its Lease, and leaves no object half-applied or wrong: each
# ConfigMap that exists has exactly its desired data and labels plus steward's ownership labels
# (managed-by, and part-of its source's inventory) and source annotation. Then steward run --once creates the rest and exits 0.
# Usage: burst_shutdown_test.sh STEWARD STEWARD-TESTAPI
set -u
steward=$1
. "$(dirname "$0")/plain_testapi.sh" "$2"

count=300
mkdir -p "$dir/m"
for i in $(seq 1 $count); do
  printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b%d\n  labels: {tier: burst}\ndata: {index: "%d", color: blue}\n' \
    $i $i
done >"$dir/m/burst.yaml"
# About two requests an object (the apply and its Event) at 50 a second: 300 take 12 s.
steward_config "$dir/slow.yaml" "$dir/m" 'cluster: {qps: 50, burst: 10}'
steward_config "$dir/fast.yaml" "$dir/m" 'cluster: {qps: 500, burst: 500}'
created() { grep -c '"msg":"created"' "$dir/$1.log"; }
holder() {  # spec.holderIdentity of Lease default/steward, <absent>, or "" when released
  local body
  body=$(api GET /apis/coordination.k8s.io/v1/namespaces/default/leases/steward)
  grep -q '"kind":"Status"' <<<"$body" && { echo "<absent>"; return; }
  grep -o '"holderIdentity":"[^"]*"' <<<"$body" | cut -d'"' -f4
}
# check_objects: every ConfigMap b<N> in the cluster is exactly what its manifest says plus
# steward's marks; prints how many there are, or the first wrong one (and fails).
check_objects() {
  api GET /api/v1/namespaces/default/configmaps | /usr/bin/python3 -c '
import json, re, sys
items = [o for o in json.load(sys.stdin)["items"] if o["metadata"]["name"].startswith("b")]
for o in items:
    m = o["metadata"]
    n = m["name"][1:]
    want_labels = {"tier": "burst", "app.kubernetes.io/managed-by": "steward"}
    labels = dict(m.get("labels", {}))
    part_of = labels.pop("applyset.kubernetes.io/part-of", "")
    if o.get("data") != {"index": n, "color": "blue"} or labels != want_labels or \
       not re.fullmatch(r"applyset-[A-Za-z0-9_-]{43}-v1", part_of) or \
       m.get("annotations", {}).get("steward.dev/source") != "s" or \
       any(not k.startswith("steward.dev/") for k in m.get("annotations", {})):
        print("wrong object:", json.dumps(o))
        sys.exit(1)
print(len(items))'
}

# env -u: the Lease goes to the kubeconfig's namespace (default), not a POD_NAMESPACE of the caller.
env -u POD_NAMESPACE "$steward" run --config "$dir/slow.yaml" --kubeconfig "$dir/kubeconfig" \
  --leader-elect --graceful-shutdown-timeout 10 >"$dir/burst.log" 2>&1 &
pid=$!
pids+=($pid)
started=$(now)
some() { [ "$(created burst)" -ge 30 ]; }
wait_for 60 some || { fail "fewer than 30 created: $(tail -n 3 "$dir/burst.log")"; exit 1; }
grep -q '"msg":"leader election: became leader"' "$dir/burst.log" || fail "steward did not lead"
echo "30 created after $(elapsed "$started") s"
t=$(now)
kill -TERM $pid
wait_exit $pid 20; rc=$?
seconds=$(elapsed "$t")
echo "burst_shutdown_seconds=$seconds created_before_exit=$(created burst)"
[ $rc -eq 0 ] || fail "SIGTERM during the burst: exit $rc, want 0: $(tail -n 3 "$dir/burst.log")"
awk -v s="$seconds" 'BEGIN { exit !(s < 10) }' || fail "the shutdown took $seconds s (deadline 10 s)"
grep -q '"msg":"leader election: released"' "$dir/burst.log" || fail "no release logged"
[ "$(holder)" = "" ] || fail "the Lease is held by '$(holder)' after SIGTERM"

exist=$(check_objects) || fail "$exist"
echo "objects after the interrupted burst: $exist"
[ "$exist" -lt $count ] 2>/dev/null || fail "the burst finished before SIGTERM ($exist objects): nothing was interrupted"
[ "$exist" = "$(created burst)" ] || fail "$exist objects exist but steward logged $(created burst) creates"

env -u POD_NAMESPACE "$steward" run --once --config "$dir/fast.yaml" --kubeconfig "$dir/kubeconfig" \
  --leader-elect >"$dir/once.log" 2>&1
rc=$?
[ $rc -eq 0 ] || fail "run --once after the burst: exit $rc: $(tail -n 3 "$dir/once.log")"
exist=$(check_objects) || fail "$exist"
[ "$exist" = $count ] || fail "after run --once: $exist objects, want $count"
[ $(($(created once) + $(created burst))) = $count ] || fail "run --once created $(created once), the burst $(created burst)"

[ $failures -eq 0 ] && echo "burst shutdown: all checks passed"
exit $((failures > 0))
