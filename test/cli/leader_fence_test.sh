#!/usr/bin/env bash
# A leader whose Lease renewals fail makes no write that starts after its renew deadline, and
# exits at once (code 1, no graceful shutdown, nothing released). The cut-off is read from the
# server's side:
#   steward-testapi: its write log (/_testapi/writes). Lease updates are refused (500) while every
#     apply of the managed ConfigMap answers 503 with Retry-After 1 s, so the client is in the
#     middle of retrying a write when leadership ends: no PATCH may reach the server later than
#     the last good renewal plus the renew deadline.
#   a real kube-apiserver: its audit log (scripts/kube-apiserver writes one). A second identity
#     takes the Lease while a drift loop keeps steward correcting: no write of steward's may be
#     received later than the take-over plus the renew deadline.
# Timings: lease 3 s, renew deadline 2 s, retry 500 ms. Every wait is a poll with a deadline.
set -u
steward=$1
. "$(dirname "$0")/plain_testapi.sh" "$2"

lease=/apis/coordination.k8s.io/v1/namespaces/default/leases/steward
cm=/api/v1/namespaces/default/configmaps/fence-a
renew_deadline_ms=2000
# A write admitted just before the deadline is answered a little after it.
slack_ms=250

mkdir -p "$dir/manifests"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fence-a\ndata:\n  color: blue\n' \
  >"$dir/manifests/a.yaml"
steward_config "$dir/steward.yaml" "$dir/manifests" \
  'leaderElection: {enabled: true, leaseDuration: 3s, renewDeadline: 2s, retryPeriod: 500ms}'
run_steward "$dir/steward.yaml" "$dir/kubeconfig"
wait_for 60 grep -q 'leader election: became leader' "$log" || { fail "steward did not lead"; exit 1; }
is_blue() { [ "$(color fence-a)" = blue ]; }
wait_for 60 is_blue || { fail "fence-a was not created"; exit 1; }

if [ -z "$real_apiserver" ]; then
  testapi_fault '{"retryAfterSeconds":1,"failRequests":[
    {"method":"PUT","path":"'$lease'","code":500},
    {"method":"PATCH","path":"'$cm'","code":503}]}' || exit 1
  # A delete (not refused) that steward puts right with an apply (refused, retried).
  api DELETE "$cm" >/dev/null
  lost_at=$(now)
else
  # A drift every 100 ms, so that steward is writing when leadership ends.
  (while :; do
     api PATCH "$cm" '{"data":{"color":"red"}}' application/merge-patch+json >/dev/null 2>&1
     sleep 0.1
   done) &
  pids+=($!)
  drifter=$!
  wait_for 30 grep -q '"msg":"corrected"' "$log" || fail "steward corrected no drift"
  # Another identity takes the Lease (an update with the version read: optimistic concurrency).
  body=$(api GET "$lease")
  intruder=$(/usr/bin/python3 -c '
import json, sys
lease = json.loads(sys.argv[1])
lease["spec"]["holderIdentity"] = "intruder"
print(json.dumps(lease))' "$body")
  api PUT "$lease" "$intruder" | grep -q '"holderIdentity":"intruder"' ||
    fail "the Lease could not be taken over"
  lost_at=$(now)
fi

wait_exit "$pid" 30
rc=$?
[ $rc -eq 1 ] || fail "after losing the Lease: exit $rc, not 1: $(tail -n 3 "$log")"
echo "exited $(elapsed "$lost_at") s after the renewals started failing"
grep -q '"msg":"leader election: lost"' "$log" || fail "no loss logged"
grep -q 'leader election lost: exiting at once' "$log" || fail "no exit reason logged"
# No draining: the graceful shutdown's lines never come.
grep -q '"msg":"stopped"' "$log" && fail "a lost leader ran the graceful shutdown"
grep -q '"msg":"leader election: released"' "$log" && fail "a lost leader released the Lease"

if [ -z "$real_apiserver" ]; then
  api GET /_testapi/writes >"$dir/writes.json"
  /usr/bin/python3 - "$dir/writes.json" "$lease" "$cm" $renew_deadline_ms $slack_ms <<'EOF' ||
import json, sys
writes = json.load(open(sys.argv[1]))["writes"]
lease, cm, deadline, slack = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
# Taking the Lease (a create of it) or renewing it (an update).
renewed = [w["atMs"] for w in writes
           if (w["path"] == lease and w["method"] == "PUT" and w["code"] == 200)
           or (w["path"] == lease.rsplit("/", 1)[0] and w["method"] == "POST" and w["code"] == 201)]
applies = [w["atMs"] for w in writes if w["path"] == cm and w["method"] == "PATCH" and w["code"] == 503]
if not renewed or not applies:
    sys.exit("nothing to judge: %d good renewals, %d refused applies" % (len(renewed), len(applies)))
cut = max(renewed) + deadline
late = [t - cut for t in applies if t > cut + slack]
print("last good acquire or renewal at %d ms, %d refused applies, the last %d ms after it, %d after the cut-off"
      % (max(renewed), len(applies), max(applies) - max(renewed), len(late)))
if late:
    sys.exit("writes after the renew deadline: %s ms past it" % late)
EOF
    fail "the write log shows a write after the renew deadline"
else
  kill "$drifter" 2>/dev/null
  audit=${STEWARD_REAL_APISERVER_DIR:-}/audit.log
  if [ ! -s "$audit" ]; then
    fail "no audit log at $audit (scripts/kube-apiserver writes one)"
  else
    /usr/bin/python3 - "$audit" $renew_deadline_ms $slack_ms <<'EOF' ||
import datetime, json, sys
def at(text):
    # RFC 3339 with microseconds: 2026-12-07T14:04:09.123456Z
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
# This test's own requests: curl, named so by real_apiserver.sh's curl config.
def ours(event):
    return event.get("userAgent", "").startswith("steward-cli-test")
events = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
deadline = datetime.timedelta(milliseconds=int(sys.argv[2]) + int(sys.argv[3]))
takeover = [at(e["requestReceivedTimestamp"]) for e in events
            if e.get("verb") == "update" and e.get("objectRef", {}).get("resource") == "leases"
            and ours(e) and e["responseStatus"]["code"] == 200]
writes = [at(e["requestReceivedTimestamp"]) for e in events
          if not ours(e)
          and e.get("objectRef", {}).get("resource") == "configmaps"
          and e.get("objectRef", {}).get("name") == "fence-a"]
if not takeover or not writes:
    sys.exit("nothing to judge: %d take-overs, %d writes of steward's" % (len(takeover), len(writes)))
cut = max(takeover) + deadline
late = [w for w in writes if w > cut]
before = [w for w in writes if w <= max(takeover)]
print("take-over at %s, %d writes of steward's before it, %d after the cut-off"
      % (max(takeover).time(), len(before), len(late)))
if late:
    sys.exit("writes after the renew deadline: %s" % [str(w.time()) for w in late])
EOF
      fail "the audit log shows a write after the renew deadline"
  fi
fi

[ $failures -eq 0 ] && echo "all passed"
exit $failures
