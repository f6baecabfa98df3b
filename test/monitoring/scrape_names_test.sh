#!/usr/bin/env bash
# The dashboard and alert rules of deploy/monitoring name only metrics steward exports, checked
# against a real scrape: steward run (leader election on, so leader_election_master_status is there)
# against steward-testapi reconciles a small source, one object of which fails (a ConfigMap in a
# Namespace that does not exist: steward_reconcile_errors_total has a series only once an error
# happened), and its /metrics is what promql_names.py checks every expression against.
# Usage: scrape_names_test.sh STEWARD STEWARD-TESTAPI
set -u
steward=$1
here=$(cd "$(dirname "$0")" && pwd)
monitoring=$here/../../deploy/monitoring
. "$here/../cli/plain_testapi.sh" "$2"

mkdir -p "$dir/manifests"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: scraped}\ndata: {color: blue}\n' \
  >"$dir/manifests/cm.yaml"
# In a source of its own: a source with a failing object has no last-applied time
# (steward_source_last_applied_timestamp_seconds), and the scrape must have one.
mkdir -p "$dir/lost"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lost, namespace: nowhere}\n' \
  >"$dir/lost/lost.yaml"
steward_config "$dir/steward.yaml" "$dir/manifests" \
  'leaderElection: {enabled: true, namespace: default, leaseDuration: 3s, renewDeadline: 2s, retryPeriod: 500ms}'
sed -i "s|^- {name: s, path: .*}$|&\\n- {name: lost, path: $dir/lost}|" "$dir/steward.yaml"
run_steward "$dir/steward.yaml" "$dir/kubeconfig"
wait_for 60 grep -q '"msg":"created"' "$log" || fail "steward did not create the ConfigMap: $(tail -n 3 "$log")"
wait_for 60 eval '[ "$(metric "$metrics" steward_reconcile_errors_total)" -gt 0 ]' ||
  fail "no reconcile error counted for the ConfigMap in a missing Namespace"
curl -sS "http://127.0.0.1:$metrics/metrics" >"$dir/metrics.txt" || fail "GET /metrics"

python3 "$here/promql_names.py" "$dir/metrics.txt" "$monitoring/steward-dashboard.json" \
  "$monitoring/alerts.rules.yaml" || fail "the dashboard or the alerts name metrics steward does not export"

[ $failures -eq 0 ] && echo "monitoring: every metric named is exported"
exit $((failures > 0))
