#!/usr/bin/env bash
# steward run's /metrics checked by tools nobody here wrote (Debian's prometheus package):
#   1. `promtool check metrics` accepts the exposition (names, types, help, units);
#   2. a real Prometheus server on loopback scrapes steward and answers a query for its metrics;
# and the metric families an operator's dashboards rely on are there. Against steward-testapi or a
# real kube-apiserver (plain_testapi.sh).
# Usage: metrics_test.sh STEWARD STEWARD-TESTAPI
set -u
steward=$1
. "$(dirname "$0")/plain_testapi.sh" "$2"
for tool in promtool prometheus; do
  command -v $tool >/dev/null || { echo "FAIL: $tool not on PATH (scripts/setup installs prometheus)"; exit 1; }
done

mkdir -p "$dir/manifests"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: scraped}\ndata: {color: blue}\n' \
  >"$dir/manifests/cm.yaml"
printf 'apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources:\n- name: s\n  path: %s\nmetrics: {bindAddress: "127.0.0.1:0"}\nhealth: {bindAddress: "127.0.0.1:0"}\n' \
  "$dir/manifests" >"$dir/steward.yaml"
"$steward" run --config "$dir/steward.yaml" --kubeconfig "$dir/kubeconfig" >"$dir/steward.log" 2>&1 &
steward_pid=$!
pids+=($steward_pid)
serving() { grep -q '"msg":"serving"' "$dir/steward.log" || ! kill -0 $steward_pid 2>/dev/null; }
wait_for 60 serving && grep -q '"msg":"serving"' "$dir/steward.log" ||
  { echo "FAIL: steward did not serve: $(tail -n 5 "$dir/steward.log")"; exit 1; }
port=$(sed -n 's/.*"msg":"serving","metrics":"\([0-9]*\)".*/\1/p' "$dir/steward.log" | head -n 1)
[ -n "$port" ] || { echo "FAIL: no metrics port in: $(grep serving "$dir/steward.log")"; exit 1; }
wait_for 60 grep -q '"msg":"created"' "$dir/steward.log" || fail "steward did not create the ConfigMap"

# 1. promtool's linter on the whole exposition.
curl -sS "http://127.0.0.1:$port/metrics" >"$dir/metrics.txt" || fail "GET /metrics"
if ! promtool check metrics <"$dir/metrics.txt" >"$dir/promtool.out" 2>&1; then
  fail "promtool check metrics: $(cat "$dir/promtool.out")"
fi
for family in steward_build_info process_cpu_seconds_total process_resident_memory_bytes \
              process_open_fds process_max_fds process_start_time_seconds workqueue_depth \
              workqueue_adds_total rest_client_requests_total steward_reconcile_total \
              steward_informer_events_total; do
  grep -q "^# TYPE $family " "$dir/metrics.txt" || fail "no $family in /metrics"
done

# Every series of a known label value starts at 0 (docs/metrics.md), whether it happened or not.
for sample in 'steward_reconcile_total{resource="configmaps",result="permanent_error"} 0' \
              'steward_reconcile_total{resource="configmaps",result="pruned"} 0' \
              'steward_drift_detected_total{resource="configmaps"} 0' \
              'steward_drift_corrected_total{resource="configmaps"} 0' \
              'steward_pruned_total{resource="configmaps"} 0' \
              'steward_desired_reload_total{result="failure",source="s"} 0' \
              'steward_prune_blocked_total{reason="namespace-not-empty"} 0' \
              'steward_informer_events_total{resource="configmaps",type="ERROR"} 0' \
              'steward_watch_restarts_total{reason="gone",resource="configmaps"} 0' \
              'steward_watch_restarts_total{reason="idle",resource="configmaps"} 0'; do
  grep -qxF "$sample" "$dir/metrics.txt" || fail "/metrics lacks: $sample"
done

# The liveness checks are there and pass.
probes=$(sed -n 's/.*"msg":"serving","metrics":"[0-9]*","probes":"\([0-9]*\)".*/\1/p' "$dir/steward.log" | head -n 1)
health=$(curl -sS "http://127.0.0.1:$probes/healthz?verbose")
for check in event-loop workers; do
  grep -q "\"$check\"" <<<"$health" || fail "/healthz?verbose lacks $check: $health"
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$probes/healthz")" = 200 ] || fail "/healthz not 200: $health"

# 2. A real Prometheus scrapes it and answers a query.
prom_port=$(free_port)
cat >"$dir/prometheus.yml" <<EOF
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
- job_name: steward
  static_configs: [{targets: ["127.0.0.1:$port"]}]
EOF
prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$dir/prometheus.log" 2>&1 &
pids+=($!)
query() {  # query PROMQL: the JSON answer
  curl -sS -G "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" 2>/dev/null
}
has_result() { query "$1" | grep -q "\"$2\""; }
wait_for 90 has_result 'steward_build_info{job="steward"}' version ||
  fail "Prometheus has no steward_build_info: $(query 'up') $(tail -n 5 "$dir/prometheus.log")"
has_result 'up{job="steward"} == 1' value || fail "Prometheus says the steward target is not up"
has_result 'steward_reconcile_total{job="steward"}' value ||
  fail "Prometheus has no steward_reconcile_total"

[ $failures -eq 0 ] && echo "metrics: all checks passed"
exit $((failures > 0))
