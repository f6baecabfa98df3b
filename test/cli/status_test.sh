#!/usr/bin/env bash
# `steward status` against a running steward: three sources, config (a ConfigMap: Current), apps (a
# Deployment: no controller rolls it out, so InProgress) and front (dependsOn apps: waiting). The
# table has a line per source with its columns and the object that needs attention, exit 1; -o json
# is the document; once the Deployment's status says it is available every source is applied and
# it exits 0. A port where nothing listens, one that never answers and an address that is not
# steward's metrics listener fail with one clear line on stderr; bad flags exit 2. A steward with
# --metrics-secure is read over HTTPS with a token: each missing piece (https, a checked
# certificate, a token, the right to get /status) is named.
# Usage: status_test.sh STEWARD STEWARD-TESTAPI
set -u
steward=$1
. "$(dirname "$0")/plain_testapi.sh" "$2" --user reader-t0ken,reader,reader-uid \
  --user nobody-t0ken,nobody,nobody-uid
repo=$(cd "$(dirname "$0")/../.." && pwd)
if [ -n "$real_apiserver" ]; then  # scripts/kube-apiserver's users
  reader_token=$("$repo/scripts/kube-apiserver" token "$STEWARD_REAL_APISERVER_DIR" prometheus) &&
    reader_user=prometheus &&
    nobody_token=$("$repo/scripts/kube-apiserver" token "$STEWARD_REAL_APISERVER_DIR" nobody) ||
    { echo "FAIL: no prometheus or nobody user in the real server's token file"; exit 1; }
else
  reader_token=reader-t0ken reader_user=reader nobody_token=nobody-t0ken
fi

mkdir -p "$dir/config" "$dir/apps" "$dir/front"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: status-settings, namespace: default}\ndata: {color: blue}\n' \
  >"$dir/config/settings.yaml"
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: status-web, namespace: default}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: status-web}}\n  template:\n    metadata: {labels: {app: status-web}}\n    spec: {containers: [{name: web, image: registry.k8s.io/pause:3.9}]}\n' \
  >"$dir/apps/web.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: status-front, namespace: default}\ndata: {color: green}\n' \
  >"$dir/front/front.yaml"
printf 'apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources:\n- {name: config, path: %s}\n- {name: apps, path: %s}\n- {name: front, path: %s, dependsOn: [apps]}\nreconcile: {debounce: 100ms}\nmetrics: {bindAddress: "127.0.0.1:0"}\nhealth: {bindAddress: "127.0.0.1:0"}\n' \
  "$dir/config" "$dir/apps" "$dir/front" >"$dir/steward.yaml"
run_steward "$dir/steward.yaml" "$dir/kubeconfig"

# status [ARGS...]: `steward status` at steward's metrics port; stdout in $out, stderr in $err,
# the exit code in $rc.
status() {
  out=$("$steward" status --address "127.0.0.1:$metrics" "$@" 2>"$dir/status.err"); rc=$?
  err=$(cat "$dir/status.err")
}
# row NAME: the source table's line for source NAME, its cells separated by '|' (cells are runs
# separated by two or more spaces, so "LAST APPLIED" and "3s ago" stay one cell).
row() { status; echo "$out" >>"$dir/status.out"; awk -v n="$1" '$1 == n { gsub(/   */, "|"); print; exit }' <<<"$out"; }
row_matches() { [[ $(row "$1") =~ $2 ]]; }

# Settled: config applied and Current, apps applied and InProgress, front waiting for apps.
wait_for 60 row_matches config '^config\|True\|Current\|1\|0\|0\|[0-9]+s ago\|Applied 1 object$' ||
  fail "config's line: $(row config)"
wait_for 30 row_matches apps '^apps\|False\|InProgress\|1\|0\|0\|[0-9]+s ago\|Deployment default/status-web InProgress: ' ||
  fail "apps' line: $(row apps)"
row_matches front '^front\|False\|Waiting for apps\|1\|0\|0\|never\|dependsOn: waiting for source apps ' ||
  fail "front's line: $(row front)"
status
[ $rc -eq 1 ] || fail "not ready: exit $rc, want 1"
[ -z "$err" ] || fail "stderr: $err"
header=$(head -n 1 <<<"$out")
[[ $header =~ ^NAME\ +READY\ +STATUS\ +OBJECTS\ +DRIFTED\ +FAILED\ +LAST\ APPLIED\ +MESSAGE$ ]] ||
  fail "header: $header"
# Aligned: each source's READY cell starts where the header's does.
column=$(awk 'NR == 1 { print index($0, "READY") }' <<<"$out")
for name in config apps front; do
  [ "$(awk -v n="$name" -v c="$column" '$1 == n { print substr($0, c, 1) }' <<<"$out")" != " " ] ||
    fail "$name's READY is not under the header: $out"
done
# Then the objects that need attention: the Deployment, and front's ConfigMap that waits.
grep -Eq '^SOURCE +KIND +NAMESPACE/NAME +HEALTH +SYNC +REASON +MESSAGE$' <<<"$out" ||
  fail "no object table: $out"
grep -Eq '^apps +Deployment +default/status-web +InProgress +InSync +[A-Za-z]+ ' <<<"$out" ||
  fail "the Deployment is not in the object table: $out"

status -o json
[ $rc -eq 1 ] || fail "-o json: exit $rc, want 1"
python3 -c 'import json, sys
d = json.load(sys.stdin)
assert d["kind"] == "Status" and d["ready"] is False, d
assert [s["name"] for s in d["sources"]] == ["config", "apps", "front"], d
assert d["sources"][2]["waitingFor"] == "apps", d' <<<"$out" || fail "-o json: $out"

# The Deployment rolled out (its status as kube-controller-manager would write it): front is applied
# and everything is in sync and Current.
api PATCH /apis/apps/v1/namespaces/default/deployments/status-web/status \
  '{"status":{"observedGeneration":1,"replicas":1,"updatedReplicas":1,"readyReplicas":1,"availableReplicas":1,"conditions":[{"type":"Available","status":"True","reason":"MinimumReplicasAvailable"},{"type":"Progressing","status":"True","reason":"NewReplicaSetAvailable"}]}}' \
  application/merge-patch+json >/dev/null
ready() { status; [ $rc -eq 0 ]; }
wait_for 60 ready || fail "not ready after the rollout: exit $rc: $out"
row_matches front '^front\|True\|Current\|1\|0\|0\|[0-9]+s ago\|Applied 1 object$' ||
  fail "front's line once applied: $(row front)"
grep -q '^SOURCE' <<<"$out" && fail "an object table with nothing to attend to: $out"

# Nothing listening: one line that says where and what to do, exit 1, nothing on stdout.
closed=$(free_port)
out=$("$steward" status --address "127.0.0.1:$closed" 2>"$dir/status.err"); rc=$?
err=$(cat "$dir/status.err")
[ $rc -eq 1 ] || fail "closed port: exit $rc, want 1"
[ -z "$out" ] || fail "closed port: stdout: $out"
[[ $err == "steward: cannot reach steward at 127.0.0.1:$closed: Connection refused (is it running? in a cluster: kubectl port-forward -n steward-system deploy/steward $closed)" ]] ||
  fail "closed port: stderr: $err"
# The probes' port answers, but not /status.
out=$("$steward" status --address "127.0.0.1:$probes" 2>"$dir/status.err"); rc=$?
err=$(cat "$dir/status.err")
[ $rc -eq 1 ] || fail "probes port: exit $rc, want 1"
grep -q "^steward: 127.0.0.1:$probes answered GET /status with 404 " <<<"$err" || fail "probes port: $err"
# https:// to a plain HTTP listener.
out=$("$steward" status --address "https://127.0.0.1:$probes" 2>"$dir/status.err"); rc=$?
err=$(cat "$dir/status.err")
[ $rc -eq 1 ] || fail "https to plain HTTP: exit $rc, want 1"
grep -q "^steward: cannot reach steward at 127.0.0.1:$probes: TLS handshake failed: .* (without --metrics-secure steward serves plain HTTP: --address 127.0.0.1:$probes)$" <<<"$err" ||
  fail "https to plain HTTP: $err"

# A listener that never answers: given up after --request-timeout.
/usr/bin/python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(60)' >"$dir/silent.port" &
pids+=($!)
wait_for 10 grep -q . "$dir/silent.port" || fail "the silent listener did not start"
silent=$(cat "$dir/silent.port")
start=$(now)
out=$("$steward" status --address "127.0.0.1:$silent" --request-timeout 1 2>"$dir/status.err"); rc=$?
err=$(cat "$dir/status.err")
took=$(elapsed "$start")
[ $rc -eq 1 ] || fail "silent listener: exit $rc, want 1"
awk -v t="$took" 'BEGIN { exit !(t < 5) }' || fail "silent listener: took ${took}s with --request-timeout 1"
grep -q "^steward: cannot reach steward at 127.0.0.1:$silent: no answer within 1s " <<<"$err" ||
  fail "silent listener: $err"

# Bad command lines: exit 2, one line.
for args in "--address nowhere" "--address 127.0.0.1:0" "-o yaml" "--request-timeout 0" \
            "--insecure-skip-tls-verify --certificate-authority ca.pem" "--token-file /dev/null"; do
  # shellcheck disable=SC2086
  err=$("$steward" status $args 2>&1 >/dev/null); rc=$?
  [ $rc -eq 2 ] || fail "'steward status $args' exited $rc, want 2"
  [ "$(grep -c . <<<"$err")" -eq 1 ] || fail "'steward status $args': $err"
done

# A steward with --metrics-secure: HTTPS (a certificate of the test's, which no system CA signed),
# and only for a token whose user may get /status.
kill "$pid"; wait "$pid" 2>/dev/null
printf '%s\n' "$reader_token" >"$dir/reader.token"
printf '%s\n' "$nobody_token" >"$dir/nobody.token"
role=$(api POST /apis/rbac.authorization.k8s.io/v1/clusterroles \
  '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"steward-status-reader"},"rules":[{"nonResourceURLs":["/status"],"verbs":["get"]}]}')
grep -q '"name":"steward-status-reader"' <<<"$role" || fail "the reader role: $role"
binding=$(api POST /apis/rbac.authorization.k8s.io/v1/clusterrolebindings \
  '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"steward-status-reader"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"steward-status-reader"},"subjects":[{"kind":"User","name":"'"$reader_user"'"}]}')
grep -q '"name":"steward-status-reader"' <<<"$binding" || fail "the binding: $binding"
mkdir -p "$dir/certs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=steward-status-test \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$dir/certs/tls.key" -out "$dir/certs/tls.crt" >/dev/null 2>&1 ||
  fail "openssl could not make a certificate"
log=$dir/secure.log
"$steward" run --config "$dir/steward.yaml" --kubeconfig "$dir/kubeconfig" --metrics-secure \
  --metrics-cert-dir "$dir/certs" >"$log" 2>&1 &
pid=$!
pids+=($pid)
wait_for 60 grep -q '"msg":"serving"' "$log" || { fail "the secure steward did not serve: $(tail -n 3 "$log")"; exit 1; }
metrics=$(serving_port "$log" metrics)
# secure EXPECTED-EXIT STDERR-PATTERN ARGS...: `steward status` at the secure steward.
secure() {
  local want=$1 pattern=$2; shift 2
  out=$("$steward" status "$@" 2>"$dir/status.err"); rc=$?
  err=$(cat "$dir/status.err")
  [ $rc -eq "$want" ] || fail "secure, $*: exit $rc, want $want: $err"
  grep -Eq -- "$pattern" <<<"$err" || fail "secure, $*: stderr: $err"
}
https=https://127.0.0.1:$metrics
secure 1 "^steward: cannot reach steward at 127.0.0.1:$metrics: .* \(a steward with --metrics-secure serves HTTPS: --address $https with --token-file\)$" \
  --address "127.0.0.1:$metrics"
secure 1 "^steward: cannot reach steward at 127.0.0.1:$metrics: TLS handshake failed: .*certificate verify failed.* --insecure-skip-tls-verify" \
  --address "$https" --token-file "$dir/reader.token"
secure 1 "^steward: 127.0.0.1:$metrics answered GET /status with 401 Unauthorized: .* \(--token-file: " \
  --address "$https" --insecure-skip-tls-verify
secure 1 "^steward: 127.0.0.1:$metrics answered GET /status with 403 Forbidden: .* \(the token's user needs get on the non-resource URL /status\)$" \
  --address "$https" --insecure-skip-tls-verify --token-file "$dir/nobody.token"
ready_secure() {
  out=$("$steward" status --address "$https" --certificate-authority "$dir/certs/tls.crt" \
    --token-file "$dir/reader.token" 2>"$dir/status.err"); rc=$?
  [ $rc -eq 0 ]
}
wait_for 60 ready_secure || fail "secure, with the reader's token: exit $rc: $(cat "$dir/status.err") $out"
grep -Eq '^apps +True +Current ' <<<"$out" || fail "secure, with the reader's token: $out"

if [ $failures -eq 0 ]; then
  echo "status: all checks passed"
else
  echo "the tables seen while waiting:"; cat "$dir/status.out"
fi
exit $((failures > 0))
