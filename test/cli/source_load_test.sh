#!/usr/bin/env bash
# A source that fails to load, as /readyz, the log and steward_desired_reload_total report it: while
# it has never loaded, readiness fails and names the file and line; after a good load, a broken edit
# keeps /readyz 200 (the last good state stays in force, drift is still corrected against it) and
# /readyz?verbose says which source failed and where; fixing the file clears that.
# Usage: source_load_test.sh STEWARD STEWARD-TESTAPI
set -u
steward=$1
. "$(dirname "$0")/plain_testapi.sh" "$2"

api() { curl -sS -H "Authorization: Bearer $token" "$@"; }
is() { [ "$(color "$1")" = "$2" ]; }
# put TEXT: the source's one file, replaced whole (as an editor or a ConfigMap volume does).
put() { printf "$1" >"$dir/app/a.yaml.tmp" && mv "$dir/app/a.yaml.tmp" "$dir/app/a.yaml"; }
good() { put "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {color: $1}\n"; }
broken() { put 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n'; }  # a.yaml:3:18, the unclosed [
readyz() { curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$probes/readyz"; }
ready_is() { [ "$(readyz)" = "$1" ]; }
verbose() { curl -sS "http://127.0.0.1:$probes/readyz?verbose"; }
desired_check() { verbose | grep -o '{"name":"desired-state"[^}]*}'; }
loads() {  # loads RESULT: steward_desired_reload_total{source="app",result=RESULT}
  curl -sS "http://127.0.0.1:$metrics/metrics" |
    sed -n "s/^steward_desired_reload_total{.*result=\"$1\".*} \([0-9]*\)$/\1/p" | head -n 1
}
loads_are() { [ "$(loads "$1")" = "$2" ]; }

mkdir -p "$dir/app"
broken
printf 'apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources:\n- name: app\n  path: %s\nreconcile: {debounce: 100ms}\nmetrics: {bindAddress: "127.0.0.1:0"}\nhealth: {bindAddress: "127.0.0.1:0"}\n' \
  "$dir/app" >"$dir/steward.yaml"
"$steward" run --config "$dir/steward.yaml" --kubeconfig "$dir/kubeconfig" >"$dir/steward.log" 2>&1 &
pid=$!
pids+=($pid)
wait_for 60 grep -q '"msg":"serving"' "$dir/steward.log" || { echo "FAIL: steward did not serve"; exit 1; }
read -r metrics probes < <(sed -n 's/.*"msg":"serving","metrics":"\([0-9]*\)","probes":"\([0-9]*\)".*/\1 \2/p' "$dir/steward.log")

# Never loaded: not ready, and the reason names the place.
wait_for 30 loads_are failure 1 || fail "the failed first load was not counted: $(loads failure)"
ready_is 503 || fail "/readyz answered $(readyz) with a source that never loaded"
desired_check | grep -q '"ok":false,"reason":"source app: not loaded: [^"]*/a.yaml:3:18: ' ||
  fail "the reason does not name the error's place: $(desired_check)"

# Loaded: ready, nothing to say.
good blue
wait_for 60 is a blue || fail "a was not created: $(tail -n 3 "$dir/steward.log")"
wait_for 10 ready_is 200 || fail "/readyz answered $(readyz) after a good load"
[ "$(desired_check)" = '{"name":"desired-state","ok":true}' ] || fail "a detail with nothing failed: $(desired_check)"

# A broken edit: still ready, the last good state still corrected to, and the detail says where.
broken
wait_for 30 loads_are failure 2 || fail "the failed reload was not counted: $(loads failure)"
grep -q '"msg":"desired state not loaded; the last good state stays in force","source":"app","error":"[^"]*/a.yaml:3:18: ' \
  "$dir/steward.log" || fail "no log line with the error's place"
ready_is 200 || fail "/readyz answered $(readyz) after a failed reload of a source that had loaded"
desired_check | grep -q '"ok":true,"detail":"source app: the latest load failed, the last good state stays in force: [^"]*/a.yaml:3:18: ' ||
  fail "?verbose does not report the failed reload: $(desired_check)"
api -o /dev/null -X PATCH -H 'Content-Type: application/merge-patch+json' \
  "$server/api/v1/namespaces/default/configmaps/a" -d '{"data":{"color":"drifted"}}'
wait_for 30 is a blue || fail "the last good state is not in force: a is $(color a)"

# Fixed: applied, and the report is gone.
good green
wait_for 60 is a green || fail "the fixed source was not applied: a is $(color a)"
loads_are success 2 || fail "two good loads, counted $(loads success)"
[ "$(desired_check)" = '{"name":"desired-state","ok":true}' ] || fail "the detail did not clear: $(desired_check)"

kill -TERM $pid
wait $pid; rc=$?
[ $rc -eq 0 ] || fail "SIGTERM: exit $rc"
[ $failures -eq 0 ] && echo "source load: all checks passed"
exit $((failures > 0))
