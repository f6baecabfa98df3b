#!/usr/bin/env bash
# Two `steward run` replicas with leader election against one steward-testapi (plain HTTP, so curl
# can look) or a real kube-apiserver (plain_testapi.sh), on the same manifests, with short timings
# (lease 3 s, renew deadline 2 s, retry 500 ms):
#   exactly one leads and writes; the follower is ready and writes nothing;
#   a drift is corrected by the leader only;
#   kill -9 of the leader: the follower takes over within the lease duration (plus margin) and
#   corrects a new drift;
#   SIGTERM of the new leader: it releases the Lease (holderIdentity "") and exits 0, and a new
#   replica takes it;
#   a leader whose API server stops answering loses the lease at the renew deadline and exits 1 at
#   once (steward-testapi only: stopping the server with SIGSTOP is a fault injection).
# Every wait is a poll with a deadline.
set -u
steward=$1
. "$(dirname "$0")/plain_testapi.sh" "$2"
testapi_pid=${pids[0]:-}   # none on a real server
# Replicas are killed outright, and a stopped steward-testapi woken first, or waiting for it hangs.
trap '[ -n "$testapi_pid" ] && kill -CONT "$testapi_pid" 2>/dev/null
      for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done; cleanup' EXIT

api() {  # api METHOD PATH [BODY [CONTENT-TYPE]]
  curl -sS -X "$1" -H "Authorization: Bearer $token" \
    -H "Content-Type: ${4:-application/json}" ${3:+--data "$3"} "$server$2"
}
color() {  # color NAME: data.color of ConfigMap default/NAME, or <absent>
  local body
  body=$(api GET "/api/v1/namespaces/default/configmaps/$1")
  grep -q '"kind":"Status"' <<<"$body" && { echo "<absent>"; return; }
  grep -o '"color":"[^"]*"' <<<"$body" | cut -d'"' -f4
}
holder() {  # holder: spec.holderIdentity of Lease default/steward, <absent>, or "" when released
  local body
  body=$(api GET /apis/coordination.k8s.io/v1/namespaces/default/leases/steward)
  grep -q '"kind":"Status"' <<<"$body" && { echo "<absent>"; return; }
  grep -o '"holderIdentity":"[^"]*"' <<<"$body" | cut -d'"' -f4
}
until_true() {  # until_true TENTHS COMMAND...: polls every 0.1 s, at most TENTHS times
  local n=$1
  shift
  for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
  return 1
}
is_color() { [ "$(color "$1")" = "$2" ]; }
logged() { grep -q "$2" "$dir/$1.log"; }  # logged REPLICA PATTERN
writes() { grep -c '"logger":"reconcile","msg":"audit"' "$dir/$1.log"; }  # applies and deletes sent
identity() { sed -n 's/.*"msg":"leader election: campaigning".*"identity":"\([^"]*\)".*/\1/p' "$dir/$1.log"; }
port() {  # port REPLICA metrics|probes
  grep -o "\"$2\":\"[0-9]*\"" "$dir/$1.log" | head -n1 | grep -o '[0-9]*'
}
master_status() {  # master_status REPLICA: leader_election_master_status{name="steward"}
  curl -s "http://127.0.0.1:$(port "$1" metrics)/metrics" |
    sed -n 's/^leader_election_master_status{name="steward"} //p'
}
ready() { curl -sf "http://127.0.0.1:$(port "$1" probes)/readyz" | grep -qx ok; }

mkdir -p "$dir/manifests"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: le-a\ndata:\n  color: blue\n' \
  > "$dir/manifests/a.yaml"
cat > "$dir/steward.yaml" <<EOF
apiVersion: steward.dev/v1alpha1
kind: StewardConfig
sources:
- name: s
  path: $dir/manifests
leaderElection:
  enabled: true
  leaseDuration: 3s
  renewDeadline: 2s
  retryPeriod: 500ms
EOF
start() {  # start REPLICA [FLAGS...]: a replica in the background, its pid in pid_REPLICA
  local name=$1
  shift
  "$steward" run --config "$dir/steward.yaml" --kubeconfig "$dir/kubeconfig" \
    --metrics-bind-address 127.0.0.1:0 --health-probe-bind-address 127.0.0.1:0 "$@" \
    > "$dir/$name.log" 2>&1 &
  pids+=($!)
  eval "pid_$name=$!"
}

# --- the flags are checked as the config's fields are ---
"$steward" run --config "$dir/steward.yaml" --kubeconfig "$dir/kubeconfig" \
  --leader-election-id Not_A_Name > "$dir/bad-flag.log" 2>&1
rc=$?
[ $rc -eq 2 ] || fail "--leader-election-id Not_A_Name exited $rc"
grep -q 'leader-election-id must be a DNS-1123 subdomain' "$dir/bad-flag.log" ||
  fail "no reason given for a bad --leader-election-id: $(cat "$dir/bad-flag.log")"

# --- two replicas: one leads and writes, the other follows, ready, and writes nothing ---
start one
start two
until_true 300 sh -c "grep -q 'leader election: became leader' '$dir/one.log' '$dir/two.log'" ||
  fail "nobody became leader"
until_true 300 is_color le-a blue || fail "le-a was not created"
if logged one 'leader election: became leader'; then leader=one follower=two; else leader=two follower=one; fi
logged $follower 'leader election: became leader' && fail "both replicas lead"
until_true 100 logged $follower "\"msg\":\"leader election: new leader\".*\"leader\":\"$(identity $leader)\"" ||
  fail "the follower did not report the leader"
[ "$(holder)" = "$(identity $leader)" ] || fail "the Lease is held by '$(holder)', not $(identity $leader)"
until_true 300 ready $follower || fail "the follower is not ready"
until_true 300 ready $leader || fail "the leader is not ready"
[ "$(master_status $leader)" = 1 ] || fail "leader's master status is '$(master_status $leader)'"
[ "$(master_status $follower)" = 0 ] || fail "follower's master status is '$(master_status $follower)'"
# A standby exports the reconcile counters at 0 (docs/metrics.md): rate() and absent() see them.
follower_metrics=$(curl -s "http://127.0.0.1:$(port $follower metrics)/metrics")
for sample in 'steward_reconcile_total{resource="configmaps",result="created"} 0' \
              'steward_drift_corrected_total{resource="configmaps"} 0' \
              'steward_desired_reload_total{result="failure",source="s"} 0'; do
  grep -qxF "$sample" <<<"$follower_metrics" || fail "the follower's /metrics lacks: $sample"
done

# --- a drift is corrected, by the leader only ---
api PATCH /api/v1/namespaces/default/configmaps/le-a '{"data":{"color":"red"}}' \
  application/merge-patch+json > /dev/null
until_true 300 is_color le-a blue || fail "the drift was not corrected"
until_true 100 logged $leader '"msg":"corrected","resource":"configmaps","namespace":"default","name":"le-a"' ||
  fail "the leader did not log the correction"
[ "$(writes $follower)" = 0 ] || fail "the follower wrote: $(grep '"logger":"reconcile","msg":"audit"' "$dir/$follower.log")"

# --- kill -9 the leader: the follower takes over within the lease duration, plus margin ---
eval "kill -9 \$pid_$leader"
killed=$(date +%s%N)
until_true 150 logged $follower 'leader election: became leader' ||
  fail "the follower did not take over within 15 s"
took=$(( ($(date +%s%N) - killed) / 1000000 ))
# The follower waits 3 s from when it last saw the leader renew, then tries every 0.5-1.1 s.
[ $took -lt 8000 ] || fail "the take-over took $took ms"
echo "take-over after kill -9: $took ms"
[ "$(holder)" = "$(identity $follower)" ] || fail "the Lease is held by '$(holder)' after the take-over"
until_true 50 sh -c "[ \"\$(curl -s http://127.0.0.1:$(port $follower metrics)/metrics |
  sed -n 's/^leader_election_master_status{name=\"steward\"} //p')\" = 1 ]" ||
  fail "the new leader's master status is '$(master_status $follower)'"
api PATCH /api/v1/namespaces/default/configmaps/le-a '{"data":{"color":"green"}}' \
  application/merge-patch+json > /dev/null
until_true 300 is_color le-a blue || fail "the new leader did not correct a new drift"
until_true 100 logged $follower '"msg":"corrected","resource":"configmaps","namespace":"default","name":"le-a"' ||
  fail "the new leader did not log the correction"

# --- SIGTERM: the lease is released, exit 0 ---
eval "kill -TERM \$pid_$follower"
eval "wait \$pid_$follower"; rc=$?
[ $rc -eq 0 ] || fail "SIGTERM: exited $rc: $(tail -n 5 "$dir/$follower.log")"
[ "$(holder)" = "" ] || fail "the Lease is still held by '$(holder)' after SIGTERM"
logged $follower '"msg":"leader election: released"' || fail "no release logged"
logged $follower '"msg":"stopped","exitCode":"0"' || fail "no clean stop logged"

# --- a new replica takes the released lease ---
start three --leader-election-id steward
until_true 300 logged three 'leader election: became leader' ||
  fail "a new replica did not take the released lease"

# --- the API server stops answering: the leader loses the lease at the renew deadline, exits 1 ---
# (steward-testapi only: SIGSTOP of the server is a fault injection)
if [ -z "$real_apiserver" ]; then
  kill -STOP "$testapi_pid"
  stopped=$(date +%s%N)
  until_true 200 logged three '"msg":"leader election: lost"' || fail "the leader did not lose the lease"
  took=$(( ($(date +%s%N) - stopped) / 1000000 ))
  [ $took -lt 6000 ] || fail "losing the lease took $took ms (renew deadline 2 s)"
  echo "lost the lease after the server stopped answering: $took ms"
  # It exits at once, without a graceful shutdown (leader_fence_test.sh checks the writes).
  wait "$pid_three"; rc=$?
  [ $rc -eq 1 ] || fail "after losing the lease: exited $rc"
  logged three 'leader election lost: exiting at once' || fail "no exit reason logged"
  kill -CONT "$testapi_pid"
fi

[ $failures -eq 0 ] && echo "all passed"
exit $failures
