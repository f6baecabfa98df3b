#!/usr/bin/env bash
# Issue #15: steward recovers from what a cluster's API server does now and then, on
# steward-testapi and on a real kube-apiserver v1.20 (plain_testapi.sh; restart_server and
# compact_server do each on either). steward runs on a source of one Namespace and one ConfigMap
# in it; then three phases, each measured:
#   restart     the server restarts (on a real one the new watch cache starts at etcd's current
#               revision: steward's resourceVersion is too old to watch from, and its relist must
#               not go back to it); as soon as the server answers, another client changes the
#               ConfigMap, and steward puts it back within 10 s, in at most 60 requests (a few
#               dozen) and fewer than 20 re-watches of each resource;
#   compaction  the same after etcd is compacted at its current revision;
#   readiness   steward cannot watch for more than 35 s while lists may still work (test server:
#               watches refused for 45 s, the open ones closed; real server: down 40 s): /readyz
#               answers 503 within 45 s, its `informers` check has an entry naming configmaps with
#               "no watch for", steward_informer_healthy{resource="configmaps"} is 0; within 60 s
#               of the fault's end /readyz is 200 again and the gauge 1.
# Last, SIGTERM: exit 0, and the log ends with the `stopped` line (issue #15 saw a crash after it).
# Prints name=value lines (bench/restart_recovery.sh collects them): PHASE_recovery_seconds
# (from the drift to the revert; "none" when there was none within 60 s), PHASE_requests (steward's
# requests from just before the fault to the revert), PHASE_watch_restarts_RESOURCE,
# readyz_unready_after_seconds (from the fault), readyz_recovered_after_seconds (from its end).
# Every wait is a poll with a deadline. About 1.5 minutes when steward recovers.
# Usage: restart_recovery_test.sh STEWARD STEWARD-TESTAPI
# UNRELATED_CONFIGMAPS=N (env, default 0): first N ConfigMaps of 1 KiB that steward does not
# manage, in namespace unrelated, as in issue #15's second run (50,000): a relist that reaches
# etcd reads all of them to apply steward's label selector. bench/restart_recovery.sh uses it.
set -u
steward=$1
. "$(dirname "$0")/plain_testapi.sh" "$2"

ns=restart-recovery
cm=/api/v1/namespaces/$ns/configmaps/watched
resources=(namespaces configmaps)
mkdir -p "$dir/m"
cat >"$dir/m/objects.yaml" <<EOF
apiVersion: v1
kind: Namespace
metadata: {name: $ns}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: watched, namespace: $ns}
data: {color: blue}
EOF
unrelated=${UNRELATED_CONFIGMAPS:-0}
if [ "$unrelated" -gt 0 ]; then
  api POST /api/v1/namespaces '{"metadata":{"name":"unrelated"}}' >/dev/null
  t=$(now)
  # 32 connections in parallel; curl would take minutes for 50,000.
  /usr/bin/python3 - "$server" "$token" "$unrelated" "${CURL_HOME:+$dir/ca.pem}" <<'PY' ||
import http.client, json, ssl, sys, threading, urllib.parse
server, token, count, ca = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
url = urllib.parse.urlsplit(server)
def connect():
    if url.scheme == "https":
        return http.client.HTTPSConnection(url.hostname, url.port, context=ssl.create_default_context(cafile=ca))
    return http.client.HTTPConnection(url.hostname, url.port)
failed = []
def worker(first, step):
    conn = connect()
    for i in range(first, count, step):
        body = json.dumps({"metadata": {"name": "u-%d" % i}, "data": {"d": "x" * 1024}})
        conn.request("POST", "/api/v1/namespaces/unrelated/configmaps", body,
                     {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        answer = conn.getresponse()
        answer.read()
        if answer.status != 201:
            failed.append(answer.status)
threads = [threading.Thread(target=worker, args=(k, 32)) for k in range(32)]
for t in threads: t.start()
for t in threads: t.join()
sys.exit(1 if failed else 0)
PY
    { fail "could not create $unrelated unrelated ConfigMaps"; exit 1; }
  echo "unrelated_configmaps=$unrelated"
  echo "unrelated_seeded_seconds=$(elapsed "$t")"
fi
steward_config "$dir/steward.yaml" "$dir/m"
run_steward "$dir/steward.yaml" "$dir/kubeconfig"

color() { api GET "$cm" | grep -o '"color":"[^"]*"' | cut -d'"' -f4; }
is_blue() { [ "$(color)" = blue ]; }
ready() { [ "$(probe /readyz)" = 200 ]; }
unready() { [ "$(probe /readyz)" = 503 ]; }
answers() {  # the server answers a GET of the ConfigMap with 200
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$server$cm")" = 200 ]
}
watches() {  # the server accepts a watch (steward-testapi answers 429 while it refuses them)
  [ "$(curl -s -o /dev/null -m 10 -w '%{http_code}' -H "Authorization: Bearer $token" \
         "$server/api/v1/namespaces/$ns/configmaps?watch=1&timeoutSeconds=1")" = 200 ]
}
readyz_verbose() { curl -s "http://127.0.0.1:$probes/readyz?verbose"; }
# configmaps_unwatched: /readyz?verbose's failing `informers` check has an entry ("; " between
# entries) naming configmaps with "no watch for".
configmaps_unwatched() {
  readyz_verbose | grep -oE '"name":"informers","ok":false,"reason":"([^"\\]|\\.)*"' |
    awk 'BEGIN { RS = "; " } /configmaps/ && /no watch for/ { found = 1 } END { exit !found }'
}
healthy() { series $metrics "steward_informer_healthy{resource=\"configmaps\"}"; }
restarts() { metric_with $metrics steward_watch_restarts_total "resource=\"$1\""; }
requests() { metric $metrics rest_client_requests_total; }
over() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }  # over A B: A > B (decimals)

wait_for 60 is_blue || { fail "the ConfigMap was not created: $(tail -n 3 "$log")"; exit 1; }
api GET "/api/v1/namespaces/$ns" | grep -q "\"name\":\"$ns\"" || fail "the Namespace was not created"
wait_for 60 ready || { fail "steward is not ready: $(readyz_verbose)"; exit 1; }

# recovery PHASE FAULT...: runs FAULT (a command); as soon as the server answers, a drift made as
# another client (merge patch), which steward must revert; prints and checks PHASE's figures.
recovery() {
  local phase=$1 requests_before t seconds n r
  shift
  local -A restarts_before
  requests_before=$(requests)
  for r in "${resources[@]}"; do restarts_before[$r]=$(restarts "$r"); done
  # Another client writes something steward does not watch (its informers select its label): the
  # server's version moves past the last one steward saw, as it does in any live cluster (leases,
  # events), so after a restart steward's version is older than the new watch cache.
  api POST /api/v1/namespaces/default/configmaps '{"metadata":{"generateName":"unrelated-"}}' |
    grep -q '"kind":"ConfigMap"' || { fail "$phase: the unrelated write failed"; return; }
  "$@" || { fail "$phase: the fault could not be made"; return; }
  wait_for 120 answers || { fail "$phase: the server does not answer after the fault"; return; }
  t=$(now)
  api PATCH "$cm" '{"data":{"color":"red"}}' application/merge-patch+json | grep -q '"color":"red"' ||
    { fail "$phase: curl could not make the drift"; return; }
  if wait_for 60 is_blue; then seconds=$(elapsed "$t"); else seconds=none; fi
  n=$(($(requests) - requests_before))
  echo "${phase}_recovery_seconds=$seconds"
  echo "${phase}_requests=$n"
  [ "$n" -le 60 ] || fail "$phase: steward made $n requests from the fault to the revert (want <= 60)"
  for r in "${resources[@]}"; do
    n=$(($(restarts "$r") - restarts_before[$r]))
    echo "${phase}_watch_restarts_$r=$n"
    [ "$n" -lt 20 ] || fail "$phase: $n re-watches of $r (want < 20)"
  done
  if [ "$seconds" = none ]; then
    fail "$phase: steward did not revert the drift within 60 s; its watch restarts: $(
      curl -s "http://127.0.0.1:$metrics/metrics" | grep '^steward_watch_restarts_total' | tr '\n' ' ')"
  elif over "$seconds" 10; then
    fail "$phase: the revert took $seconds s (want <= 10)"
  fi
}

recovery restart restart_server
recovery compaction compact_server

# Readiness while watches fail for longer than 35 s.
t=$(now)
if [ -n "$real_apiserver" ]; then
  # The only way a real server stops watches: it is down (lists fail too).
  restart_server 40 &
  fault=$!
  pids+=($fault)
else
  testapi_fault '{"refuseWatchesSeconds":45,"closeWatches":true}'
fi
if wait_for 45 unready; then
  echo "readyz_unready_after_seconds=$(elapsed "$t")"
  # 45 s from the fault for the informers check too: /readyz may fail earlier for another reason
  # (the circuit breaker while a real server is down).
  if wait_for "$(awk -v s="$(elapsed "$t")" 'BEGIN { printf "%d", s < 45 ? 45 - s + 1 : 1 }')" \
       configmaps_unwatched; then
    [ "$(healthy)" = 0 ] ||
      fail "steward_informer_healthy{resource=\"configmaps\"} is $(healthy) while its check fails, want 0"
  else
    fail "/readyz?verbose has no failing informers entry for configmaps with \"no watch for\" within 45 s: $(readyz_verbose)"
  fi
else
  echo "readyz_unready_after_seconds=none"
  fail "/readyz did not answer 503 within 45 s of the watches failing: $(readyz_verbose)"
fi
if [ -n "$real_apiserver" ]; then
  wait "$fault" || fail "the restart after 40 s down failed"
else
  wait_for 60 watches || fail "steward-testapi still refuses watches 60 s after the fault's 45 s"
fi
t=$(now)
if wait_for 60 ready; then
  echo "readyz_recovered_after_seconds=$(elapsed "$t")"
else
  echo "readyz_recovered_after_seconds=none"
  fail "/readyz is not 200 again within 60 s of the fault's end: $(readyz_verbose)"
fi
wait_for 10 eval '[ "$(healthy)" = 1 ]' ||
  fail "steward_informer_healthy{resource=\"configmaps\"} is $(healthy) after the recovery, want 1"

kill -TERM "$pid"
wait_exit "$pid" 30; rc=$?
[ $rc -eq 0 ] || fail "SIGTERM: exit $rc, want 0: $(tail -n 3 "$log")"
tail -n 1 "$log" | grep -q '"msg":"stopped","exitCode":"0"' ||
  fail "the log does not end with the stopped line: $(tail -n 3 "$log")"

[ $failures -eq 0 ] && echo "restart recovery: all checks passed"
exit $((failures > 0))
