#!/usr/bin/env bash
# steward run re-reads its config when the file changes (and on SIGHUP): a new source is loaded and
# applied, a field that needs a restart is reported and not applied, a broken config is rejected
# with its place while the running one stays, a source removed from the config leaves its objects
# alone (even with prune on), and dryRun switched on live stops corrections. Against
# steward-testapi or a real kube-apiserver (plain_testapi.sh).
# Usage: config_reload_test.sh STEWARD STEWARD-TESTAPI
set -u
steward=$1
. "$(dirname "$0")/plain_testapi.sh" "$2"

api() { curl -sS -H "Authorization: Bearer $token" "$@"; }
is() { [ "$(color "$1")" = "$2" ]; }
drift() { api -o /dev/null -X PATCH -H 'Content-Type: application/merge-patch+json' \
  "$server/api/v1/namespaces/default/configmaps/$1" -d '{"data":{"color":"drifted"}}'; }
logged() { grep -q -- "$1" "$dir/steward.log"; }
# write_config SOURCES-YAML [EXTRA-YAML]: the config file, replaced whole (as an editor or a
# ConfigMap volume update does).
write_config() {
  printf 'apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources:\n%s\nreconcile: {debounce: 100ms%s}\nmetrics: {bindAddress: "0"}\nhealth: {bindAddress: "0"}\n%s' \
    "$1" "${3:-}" "${2:-}" >"$dir/steward.yaml.tmp"
  mv "$dir/steward.yaml.tmp" "$dir/steward.yaml"
}
mkdir -p "$dir/a" "$dir/b"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a1}\ndata: {color: blue}\n' >"$dir/a/a1.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b1}\ndata: {color: green}\n' >"$dir/b/b1.yaml"
source_a="- {name: a, path: $dir/a, prune: true}"
source_b="- {name: b, path: $dir/b}"

write_config "$source_a"
"$steward" run --config "$dir/steward.yaml" --kubeconfig "$dir/kubeconfig" >"$dir/steward.log" 2>&1 &
pid=$!
pids+=($pid)
wait_for 60 is a1 blue || fail "a1 was not created: $(tail -n 3 "$dir/steward.log")"

# A new source (live) and a qps change (needs a restart).
write_config "$source_a
$source_b" 'cluster: {qps: 20}'
wait_for 60 is b1 green || fail "the new source b was not applied: $(tail -n 3 "$dir/steward.log")"
wait_for 10 logged '"msg":"config change applied","change":"sources\[b\]' || fail "no applied line for sources[b]"
wait_for 10 logged '"msg":"config change needs a restart","change":"cluster.qps: 50 -> 20' ||
  fail "the qps change was not reported as needing a restart: $(grep config "$dir/steward.log")"

# A broken config: rejected with its place; the running config stays (drift still corrected).
printf 'apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources:\n%s\nreconcile:\n  wrokers: 2\n' "$source_a" \
  >"$dir/steward.yaml.tmp"
mv "$dir/steward.yaml.tmp" "$dir/steward.yaml"
wait_for 10 logged '"msg":"config not reloaded; the running one stays in force","error":"[^"]*steward.yaml:6:3: ' ||
  fail "the broken config was not reported with its place: $(grep 'not reloaded' "$dir/steward.log")"
drift b1
wait_for 30 is b1 green || fail "after a rejected config, source b is no longer reconciled"

# Source a removed (it had prune on): its object stays; dryRun on: b's drift is not corrected.
# SIGHUP as well as the file change: both reload, and the result is the same.
write_config "$source_b" "" ", dryRun: true"
kill -HUP $pid
wait_for 10 logged '"msg":"SIGHUP: reloading the config' || fail "no SIGHUP line"
wait_for 10 logged '"msg":"source removed from the configuration' || fail "source a was not removed"
wait_for 10 logged '"change":"reconcile.dryRun: false -> true (live)"' || fail "dryRun change not applied"
drift b1
wait_for 10 logged '"msg":"corrected","resource":"configmaps","namespace":"default","name":"b1".*"dryRun":"true"' ||
  fail "the dry run did not report b1's drift: $(tail -n 3 "$dir/steward.log")"
is b1 drifted || fail "dryRun on, yet b1 was corrected"
is a1 blue || fail "a1 of the removed source was touched: $(color a1)"
kill -0 $pid || fail "steward is not running any more"

kill -TERM $pid
wait $pid; rc=$?
[ $rc -eq 0 ] || fail "SIGTERM: exit $rc"
[ $failures -eq 0 ] && echo "config reload: all checks passed"
exit $((failures > 0))
