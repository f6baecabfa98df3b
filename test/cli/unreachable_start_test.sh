#!/usr/bin/env bash
# steward run started while its API server is not there yet (a loopback port where nothing
# listens): it stays up, live (/healthz 200) but not ready (/readyz 503, ?verbose names the
# informers and api checks), logs the failure without a hot loop (its log lines, API requests and
# queue adds over a few seconds are bounded); once steward-testapi comes up on that port it
# converges (the objects exist with steward's label, /readyz 200) as soon as its circuit breaker
# lets a probe through, and SIGTERM exits 0.
# Usage: unreachable_start_test.sh STEWARD STEWARD-TESTAPI
# BREAKER_OPEN_FOR (env): cluster.circuitBreaker.openFor; unset, the default (1 s, doubling to 30 s).
set -u
steward=$1
. "$(dirname "$0")/plain_testapi.sh" "$2" --later
open_for=${BREAKER_OPEN_FOR:-}

port=$(free_port)
write_kubeconfig "$dir/early.kubeconfig" "http://127.0.0.1:$port" "token: $token"
mkdir -p "$dir/m"
# u1 without a namespace: loaded before discovery knows ConfigMap is namespaced, so its key is only
# settled by a reload after the kind resolves; u2 and u3 name theirs.
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: u1}\ndata: {color: blue}\n' >"$dir/m/u1.yaml"
for i in 2 3; do
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: u%d, namespace: default}\ndata: {color: blue}\n' \
    $i >"$dir/m/u$i.yaml"
done
breaker=""
[ -n "$open_for" ] && breaker="cluster: {circuitBreaker: {openFor: $open_for}}"
steward_config "$dir/steward.yaml" "$dir/m" "$breaker"
run_steward "$dir/steward.yaml" "$dir/early.kubeconfig"
readyz() { curl -s "http://127.0.0.1:$probes/readyz?verbose"; }

# Not ready, for the right reasons: the informer cannot resolve its kind, and the API check fails.
# (First the start-up discovery has to give up: its retries take a few seconds.)
informer_failing() { readyz | grep -q '"name":"informers","ok":false,"reason":"[^"]*ConfigMap: discovery failed'; }
api_failing() { readyz | grep -q '"name":"api","ok":false,"reason":"circuit breaker open'; }
# Open, or half-open between open periods: the check never passes while the server is away.
api_not_ok() { readyz | grep -q '"name":"api","ok":false,"reason":"circuit breaker \(open\|half-open\)'; }
wait_for 60 informer_failing || fail "readyz?verbose does not name the informer check: $(readyz)"
wait_for 10 api_failing || fail "readyz?verbose does not name the api check: $(readyz)"
[ "$(probe /readyz)" = 503 ] || fail "/readyz is $(probe /readyz) with no API server, want 503"
grep -q '"level":"\(warn\|error\)".*Connection refused' "$log" || fail "the connection failure is not logged"
grep -q '"level":"warn","logger":"kube","msg":"circuit breaker open: failing fast".*"openFor":"'"${open_for:-1s}"'"' "$log" ||
  fail "the breaker's opening is not logged with openFor ${open_for:-1s}: $(grep '"kube"' "$log" | head -n 2)"

# Over 3 s of the outage: alive and live, and no hot loop in the log, the client or the queue.
lines=$(wc -l <"$log")
requests=$(metric $metrics rest_client_requests_total)
adds=$(metric $metrics workqueue_adds_total)
# The 3 s are spent polling the api check: it must not pass once (with openFor 1s the breaker is
# half-open several times in them).
api_passed=0
until=$(($(date +%s%N) + 3000000000))
while [ "$(date +%s%N)" -lt $until ]; do
  api_not_ok || api_passed=$((api_passed + 1))
  sleep 0.1
done
[ $api_passed -eq 0 ] || fail "the api check passed $api_passed times during the outage: $(readyz)"
kill -0 $pid 2>/dev/null || { fail "steward exited: $(tail -n 3 "$log")"; exit 1; }
[ "$(probe /healthz)" = 200 ] || fail "/healthz is $(probe /healthz) with no API server, want 200"
lines=$(($(wc -l <"$log") - lines))
requests=$(($(metric $metrics rest_client_requests_total) - requests))
adds=$(($(metric $metrics workqueue_adds_total) - adds))
echo "in 3 s of outage: log_lines=$lines api_requests=$requests queue_adds=$adds"
# A retry loop without backoff makes thousands of each in 3 s; backoff makes a handful.
[ $lines -le 10 ] || fail "$lines log lines in 3 s: $(tail -n 5 "$log")"
[ $requests -le 10 ] || fail "$requests API requests in 3 s"
[ $adds -le 60 ] || fail "$adds queue adds in 3 s"

# The server comes up on that port, with the same token: steward converges and gets ready.
t=$(now)
start_testapi "127.0.0.1:$port"
managed() {
  api GET "/api/v1/namespaces/default/configmaps?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dsteward" |
    grep -o '"name":"u[0-9]"' | sort | tr -d '\n'
}
converged() { [ "$(managed)" = '"name":"u1""name":"u2""name":"u3"' ] && [ "$(probe /readyz)" = 200 ]; }
wait_for 60 converged || fail "steward did not converge: managed $(managed), readyz $(readyz)"
seconds=$(elapsed "$t")
# The probe that found the server back: the last half-open line before convergence.
probed=$(grep '"msg":"circuit breaker half-open: probing"' "$log" | tail -n 1 | grep -o '"ts":"[^"]*"' | cut -d'"' -f4)
after_probe=$(awk -v a="$(date -d "$probed" +%s.%N)" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
echo "recovery_seconds=$seconds after_probe_seconds=$after_probe open_for=${open_for:-1s}"
# Nothing but the breaker holds steward back once the server is up: the informer's discovery
# retry and the queued keys wait for the breaker's probe, not for backoffs of their own that the
# refusals grew (with those, a fixed 30 s period cost 38 s). So convergence comes within seconds
# of the probe, and at most one open period (with the default 1 s doubling, the period the
# outage had grown it to) after the server came up.
awk -v s="$after_probe" 'BEGIN { exit !(s < 5) }' || fail "converging took $after_probe s after the breaker's probe"
awk -v s="$seconds" 'BEGIN { exit !(s < 35) }' || fail "converging took $seconds s after the server came up"

kill -TERM $pid
wait_exit $pid 30; rc=$?
[ $rc -eq 0 ] || fail "SIGTERM: exit $rc, want 0: $(tail -n 3 "$log")"
grep -q '"msg":"stopped","exitCode":"0"' "$log" || fail "no clean stop logged"

[ $failures -eq 0 ] && echo "unreachable at start: all checks passed"
exit $((failures > 0))
