#!/usr/bin/env bash
# A bearer token rotated under a running steward, as the kubelet rotates a projected
# service-account token: the kubeconfig names a tokenFile in a volume laid out as the kubelet's
# AtomicWriter lays it out (token -> ..data/token, ..data -> a timestamped folder), the new token
# goes into a new folder that a renamed ..data symlink swaps in at once, and the server then
# accepts only the new one (the old gets 401 Unauthorized). Twice: once with the watches closed
# at the same time (they reconnect with the old token first), once with them left open. Each time
# a drift made with curl is corrected within a few seconds, /readyz (polled throughout) never
# leaves 200, and the informers do not list again (the watches resume where they were). Last, a
# token the server has revoked fails /readyz (`credentials rejected`) until the file is fixed.
# Usage: token_rotation_test.sh STEWARD STEWARD-TESTAPI
set -u
steward=$1
. "$(dirname "$0")/plain_testapi.sh" "$2"

sa=$dir/serviceaccount
mkdir -p "$sa/..0"
echo "$token" >"$sa/..0/token"
ln -s ..0 "$sa/..data"
ln -s ..data/token "$sa/token"
write_kubeconfig "$dir/file.kubeconfig" "$server" "tokenFile: $sa/token"
mkdir -p "$dir/m"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: rot-a}\ndata: {color: blue}\n' >"$dir/m/a.yaml"
steward_config "$dir/steward.yaml" "$dir/m"
run_steward "$dir/steward.yaml" "$dir/file.kubeconfig"
ready() { [ "$(probe /readyz)" = 200 ]; }
color() { api GET /api/v1/namespaces/default/configmaps/rot-a | grep -o '"color":"[^"]*"' | cut -d'"' -f4; }
is_blue() { [ "$(color)" = blue ]; }
wait_for 60 is_blue || { fail "rot-a was not created: $(tail -n 3 "$log")"; exit 1; }
wait_for 60 ready || { fail "steward is not ready"; exit 1; }

# /readyz from here to the end, every 50 ms.
(while [ ! -e "$dir/stop-polling" ]; do
   curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$probes/readyz" >>"$dir/readyz.codes"
   sleep 0.05
 done) &
poller=$!
pids+=($poller)
polled() { [ "$(wc -l <"$dir/readyz.codes")" -ge "$1" ]; } 2>/dev/null  # polled N: N answers so far
wait_for 10 polled 3 || fail "/readyz is not being polled"
lists() { metric $metrics 'rest_client_request_duration_seconds_count{verb="list"'; }
lists_before=$(lists)

# rotate NEW [FAULTS]: the token file becomes NEW (a new folder swapped in by renaming a symlink
# over ..data: a reader never sees half a token), then the server accepts only NEW; FAULTS are
# more fault fields for the same call.
generation=0
rotate() {
  local old=$token
  generation=$((generation + 1))
  mkdir "$sa/..$generation"
  echo "$1" >"$sa/..$generation/token"
  ln -s "..$generation" "$sa/..data_tmp"
  mv -T "$sa/..data_tmp" "$sa/..data"
  rm -rf "$sa/..$((generation - 1))"
  api POST /_testapi/faults "{\"token\":\"$1\"${2:+,$2}}" >/dev/null
  token=$1
  # The old token is refused the way kube-apiserver refuses it: 401, a Status with reason Unauthorized.
  local answer
  answer=$(curl -s -w ' %{http_code}' -H "Authorization: Bearer $old" "$server/api/v1/namespaces")
  grep -q '"kind":"Status".*"reason":"Unauthorized".* 401$' <<<"$answer" ||
    fail "the old token is not refused after the rotation: $answer"
}
# drift_corrected: rot-a is changed with curl, and steward puts it back within 10 s.
drift_corrected() {
  local t
  t=$(now)
  api PATCH /api/v1/namespaces/default/configmaps/rot-a '{"data":{"color":"red"}}' \
    application/merge-patch+json | grep -q '"color":"red"' || { fail "curl could not make the drift"; return; }
  wait_for 10 is_blue || { fail "the drift after a rotation was not corrected: $(tail -n 3 "$log")"; return; }
  echo "corrected after $(elapsed "$t") s"
}

rotate s3cond '"closeWatches":true'
drift_corrected
rotate th1rd
drift_corrected

# A few more answers after the last correction, then the poller stops.
wait_for 10 polled $(($(wc -l <"$dir/readyz.codes") + 3)) || fail "/readyz stopped answering"
touch "$dir/stop-polling"
wait $poller
polls=$(wc -l <"$dir/readyz.codes")
not_ok=$(grep -vc '^200$' "$dir/readyz.codes")
unauthorized=$(metric $metrics 'rest_client_requests_total{code="401"')
restarts=$(curl -sS "http://127.0.0.1:$metrics/metrics" | grep '^steward_watch_restarts_total' | tr '\n' ' ')
echo "readyz polls=$polls not_200=$not_ok; 401 answers=$unauthorized lists=$(($(lists) - lists_before))"
echo "watch restarts: ${restarts:-none}"
[ "$not_ok" = 0 ] || fail "/readyz left 200 during the rotations: $(sort "$dir/readyz.codes" | uniq -c | tr '\n' ' ')"
# Each rotation costs at least one 401 (the proof that the old token was still in use) and a
# handful at most (each one refreshes the token at once).
[ "$unauthorized" -ge 2 ] && [ "$unauthorized" -le 10 ] || fail "$unauthorized 401 answers for two rotations"
[ "$(lists)" = "$lists_before" ] || fail "the informers listed again: $lists_before lists before, $(lists) after"
grep -q '"level":"error"' "$log" && fail "errors logged: $(grep '"level":"error"' "$log" | head -n 3)"

# The server rotates and the file does not follow (a revoked token): the watch, reopened, is
# refused even with the token read again, and /readyz says so; once the file has the new token
# the informer's next watch is accepted and steward is ready again.
api POST /_testapi/faults '{"token":"f0urth","closeWatches":true}' >/dev/null
token=f0urth
readyz() { curl -s "http://127.0.0.1:$probes/readyz?verbose"; }
rejected() { readyz | grep -q '"name":"api","ok":false,"reason":"credentials rejected'; }
wait_for 30 rejected || fail "/readyz does not say the credentials are rejected: $(readyz)"
[ "$(probe /readyz)" = 503 ] || fail "/readyz is $(probe /readyz) with rejected credentials, want 503"
mkdir "$sa/..9"
echo f0urth >"$sa/..9/token"
ln -s ..9 "$sa/..data_tmp"
mv -T "$sa/..data_tmp" "$sa/..data"
wait_for 60 ready || fail "steward is not ready again after the token file was fixed: $(readyz)"
grep -q '"level":"warn","logger":"kube","msg":"credentials rejected: the API server answers 401 Unauthorized"' "$log" ||
  fail "the rejected credentials are not logged: $(grep '"kube"' "$log" | head -n 3)"
grep -q '"level":"info","logger":"kube","msg":"credentials accepted again"' "$log" ||
  fail "the accepted credentials are not logged: $(grep '"kube"' "$log" | head -n 3)"
drift_corrected

kill -TERM $pid
wait_exit $pid 30; rc=$?
[ $rc -eq 0 ] || fail "SIGTERM: exit $rc, want 0"

[ $failures -eq 0 ] && echo "token rotation: all checks passed"
exit $((failures > 0))
