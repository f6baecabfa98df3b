#!/usr/bin/env bash
# steward run against steward-testapi (plain HTTP, so curl can look) or a real kube-apiserver
# (plain_testapi.sh): --once, --once --dry-run, a bad config, a Kubernetes ConfigMap-volume update
# (the atomic ..data symlink swap) picked up by the running daemon, and (steward-testapi only: it
# logs the writes it receives) the audit: one audit line for every write that reached the server.
set -u
steward=$1
testapi=$2
. "$(dirname "$0")/plain_testapi.sh" "$testapi" --log-writes

eventually() {  # eventually NAME COLOR: up to 60 s (sanitizer builds are slow)
  for _ in $(seq 1 600); do [ "$(color "$1")" = "$2" ] && return 0; sleep 0.1; done
  return 1
}
config() {  # config FILE SOURCE-PATH [SOURCE-NAME]
  printf 'apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources:\n- name: %s\n  path: %s\n  prune: true\nreconcile:\n  debounce: 100ms\nmetrics: {bindAddress: "0"}\nhealth: {bindAddress: "0"}\n' "${3:-s}" "$2" > "$1"
}
manifest() {  # manifest NAME COLOR
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  color: %s\n' "$1" "$2"
}

# --once: creates, then exits 0 because the cluster matches.
mkdir -p "$dir/once"
manifest once-a blue > "$dir/once/a.yaml"
config "$dir/once.yaml" "$dir/once"
"$steward" run --once --config "$dir/once.yaml" --kubeconfig "$dir/kubeconfig" > "$dir/once.log" 2>&1
rc=$?
[ $rc -eq 0 ] || fail "--once exited $rc: $(tail -n 3 "$dir/once.log")"
[ "$(color once-a)" = blue ] || fail "--once did not create once-a"
grep -q '"msg":"in sync"' "$dir/once.log" || fail "--once did not log in sync"

# --once --dry-run: reports what it would create, writes nothing. A source of its own: under the
# name "s" it would be the source of once-a losing all its objects, a prune the guard refuses.
mkdir -p "$dir/dry"
manifest dry-a blue > "$dir/dry/a.yaml"
config "$dir/dry.yaml" "$dir/dry" dry
"$steward" run --once --dry-run --config "$dir/dry.yaml" --kubeconfig "$dir/kubeconfig" \
  > "$dir/dry.log" 2>&1 || fail "--once --dry-run exited $?"
[ "$(color dry-a)" = "<absent>" ] || fail "--dry-run wrote dry-a"
grep -q '"logger":"reconcile","msg":"created","resource":"configmaps","namespace":"default","name":"dry-a","reconcileID":"[0-9a-f]\{16\}".*"dryRun":"true"' "$dir/dry.log" ||
  fail "--dry-run did not report the create: $(cat "$dir/dry.log")"
grep -q '"msg":"audit","verb":"apply","action":"create","resource":"configmaps","namespace":"default","name":"dry-a","dryRun":"true","code":"20[01]","result":"success"' "$dir/dry.log" ||
  fail "--dry-run did not audit its dry-run apply: $(grep audit "$dir/dry.log")"

# --once --dry-run where a Namespace and a CRD are only planned: their objects are planned creates,
# not sent (the server would answer 404 or "no such kind" until the --once timeout), and the run
# exits 0 at once. A CR of a version the CRD does not serve is an error: exit 1, as promptly.
planned_manifests "$dir/planned"
config "$dir/planned.yaml" "$dir/planned" planned
writes_before=$(wc -l < "$dir/testapi.out" 2>/dev/null || echo 0)
started=$(now)
"$steward" run --once --dry-run --once-timeout 30 --config "$dir/planned.yaml" --kubeconfig "$dir/kubeconfig" \
  > "$dir/planned.log" 2>&1; rc=$?
took=$(elapsed "$started")
echo "--once --dry-run with a planned Namespace and CRD: exit $rc after $took s"
[ $rc -eq 0 ] || fail "--once --dry-run with planned objects exited $rc: $(grep -v '"debug"' "$dir/planned.log" | tail -n 5)"
awk -v t="$took" 'BEGIN { exit !(t < 10) }' || fail "--once --dry-run with planned objects took $took s"
for planned in '"resource":"configmaps","namespace":"planned-ns","name":"planned-cm".*"detail":"would be created: its Namespace planned-ns is created in this run (dry run: not sent)"' \
               '"resource":"Gadget.planned.example.com","namespace":"planned-ns","name":"g1".*"detail":"would be created: its CustomResourceDefinition gadgets.planned.example.com is applied in this run (dry run: not sent)"' \
               '"resource":"namespaces","namespace":"","name":"planned-ns".*"detail":"dry run"' \
               '"resource":"customresourcedefinitions.apiextensions.k8s.io","namespace":"","name":"gadgets.planned.example.com".*"detail":"dry run"'; do
  grep -q "\"msg\":\"created\",$planned" "$dir/planned.log" ||
    fail "--once --dry-run did not report $planned: $(grep -v '"debug"' "$dir/planned.log")"
done
grep -q '"msg":"audit".*"name":"\(planned-cm\|g1\)"' "$dir/planned.log" &&
  fail "--once --dry-run sent a planned object: $(grep '"msg":"audit"' "$dir/planned.log")"
grep -q '"kind":"Status"' <<<"$(api GET /api/v1/namespaces/planned-ns)" ||
  fail "--once --dry-run created Namespace planned-ns"
grep -q '"kind":"Status"' <<<"$(api GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.planned.example.com)" ||
  fail "--once --dry-run created CRD gadgets.planned.example.com"
if [ -z "$real_apiserver" ]; then
  # Every write request of the run was a dry run (steward-testapi logs them), none in planned-ns.
  tail -n +$((writes_before + 1)) "$dir/testapi.out" | grep '^write ' > "$dir/planned.writes"
  grep -v 'dryRun=All' "$dir/planned.writes" && fail "--once --dry-run wrote for real"
  grep '/namespaces/planned-ns/' "$dir/planned.writes" && fail "--once --dry-run sent a request in planned-ns"
fi
planned_manifests "$dir/unserved" v0
config "$dir/unserved.yaml" "$dir/unserved" unserved
started=$(now)
"$steward" run --once --dry-run --once-timeout 30 --config "$dir/unserved.yaml" --kubeconfig "$dir/kubeconfig" \
  > "$dir/unserved.log" 2>&1; rc=$?
took=$(elapsed "$started")
[ $rc -eq 1 ] || fail "--once --dry-run with a CR of a version not served exited $rc, want 1"
awk -v t="$took" 'BEGIN { exit !(t < 10) }' || fail "--once --dry-run with a CR of a version not served took $took s"
grep -q 'gadget.yaml:1:1: no matches for kind \\"Gadget\\" in version \\"planned.example.com/v0\\": CustomResourceDefinition gadgets.planned.example.com in the desired state does not serve version \\"v0\\"' "$dir/unserved.log" ||
  fail "--once --dry-run did not name the version not served: $(grep '"error"' "$dir/unserved.log")"

# A bad config: one line per error with its place, exit 1, nothing started.
printf 'apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources:\n- name: s\n  path: x\nreconcile:\n  worker: 3\n' > "$dir/bad.yaml"
out=$("$steward" run --config "$dir/bad.yaml" --kubeconfig "$dir/kubeconfig" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "bad config exited $rc"
grep -q 'bad.yaml:7:3: ' <<<"$out" || fail "bad config error without its place: $out"

# A ConfigMap volume, as the kubelet writes it, updated with the atomic ..data swap.
vol=$dir/volume
mkdir -p "$vol/..2026_11_25_10_00_00.1"
manifest volume-a blue > "$vol/..2026_11_25_10_00_00.1/a.yaml"
ln -s ..2026_11_25_10_00_00.1 "$vol/..data"
ln -s ..data/a.yaml "$vol/a.yaml"
config "$dir/volume.yaml" "$vol"
"$steward" run --config "$dir/volume.yaml" --kubeconfig "$dir/kubeconfig" > "$dir/volume.log" 2>&1 &
daemon=$!
pids+=($daemon)
eventually volume-a blue || fail "daemon did not create volume-a"
mkdir -p "$vol/..2026_11_25_10_05_00.2"
manifest volume-a green > "$vol/..2026_11_25_10_05_00.2/a.yaml"
ln -s ..2026_11_25_10_05_00.2 "$vol/..data_tmp"
mv -T "$vol/..data_tmp" "$vol/..data"
rm -rf "$vol/..2026_11_25_10_00_00.1"
eventually volume-a green || fail "the ..data swap was not picked up: $(tail -n 5 "$dir/volume.log")"
kill -TERM $daemon
wait $daemon; rc=$?
[ $rc -eq 0 ] || fail "daemon exited $rc after SIGTERM"
grep -q '"msg":"stopped","exitCode":"0"' "$dir/volume.log" || fail "no clean stop logged"

# The audit of a run at debug level with leader election: creates (a cluster-scoped Namespace
# among them), a drift made with curl and corrected, a prune, their Events, and the Lease
# acquired, renewed and released. Every write the server saw from steward has exactly one audit
# line and every reconcile line its resource, namespace, name and reconcileID (audit_check.py).
# A real kube-apiserver has no log of the writes it received, so there it is skipped.
if [ -z "$real_apiserver" ]; then
  mkdir -p "$dir/audit"
  manifest audit-a blue > "$dir/audit/a.yaml"
  manifest audit-b blue > "$dir/audit/b.yaml"
  printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: audit-ns\n' > "$dir/audit/ns.yaml"
  config "$dir/audit.yaml" "$dir/audit" audit
  printf 'logging: {level: debug}\nleaderElection: {enabled: true, namespace: default, leaseDuration: 4s, renewDeadline: 3s, retryPeriod: 200ms}\n' \
    >> "$dir/audit.yaml"
  writes_before=$(wc -l < "$dir/testapi.out")
  "$steward" run --config "$dir/audit.yaml" --kubeconfig "$dir/kubeconfig" > "$dir/audit.log" 2>&1 &
  daemon=$!
  pids+=($daemon)
  eventually audit-b blue || fail "the audit run did not create audit-b"
  curl -sS -o /dev/null -X PATCH -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/merge-patch+json' -d '{"data":{"color":"red"}}' \
    "$server/api/v1/namespaces/default/configmaps/audit-a"
  eventually audit-a blue || fail "the audit run did not correct audit-a"
  rm "$dir/audit/b.yaml"
  eventually audit-b "<absent>" || fail "the audit run did not prune audit-b"
  wait_for 30 grep -q '"msg":"audit","verb":"update","action":"renew"' "$dir/audit.log" ||
    fail "no Lease renewal audited"
  kill -TERM $daemon
  wait $daemon; rc=$?
  [ $rc -eq 0 ] || fail "the audit run exited $rc after SIGTERM"
  tail -n +$((writes_before + 1)) "$dir/testapi.out" > "$dir/audit.writes"
  /usr/bin/python3 "$(dirname "$0")/audit_check.py" "$dir/audit.log" "$dir/audit.writes" \
    apply create update delete || fail "audit lines do not match the server's writes"
  for action in acquire release; do
    grep -q "\"level\":\"info\",\"logger\":\"leader\",\"msg\":\"audit\",\"verb\":\"[a-z]*\",\"action\":\"$action\"" "$dir/audit.log" ||
      fail "no Lease $action audited at info"
  done
fi

[ $failures -eq 0 ] && echo "all passed"
exit $failures
