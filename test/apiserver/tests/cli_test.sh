#!/usr/bin/env bash
# steward-testapi as a process: the one "listening" line, a kubeconfig clients can use, 401 without
# the token, exit 0 on SIGTERM and SIGINT. Then kubectl against it: create, apply --server-side,
# get, get --watch, delete, of namespaced and cluster-scoped objects. scripts/setup installs a
# kubectl (Debian's kubernetes-client) when the machine has none; without one this test fails.
# kubectl validates against the server's /openapi/v2 (kubectl_openapi_test.sh checks more of it).
set -u
bin=$1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# start_server NAME ARGS...: starts it, waits (up to 20 s) for its line, sets $url and $pid.
start_server() {
  local name=$1; shift
  mkfifo "$tmp/$name.out"
  "$bin" --listen 127.0.0.1:0 --kubeconfig-out "$tmp/$name.kubeconfig" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  pid=$!
  pids+=("$pid")
  exec 3<"$tmp/$name.out"
  if ! IFS= read -r -t 20 line <&3; then
    fail "$name: no listening line within 20 s: $(cat "$tmp/$name.err")"
    return 1
  fi
  exec 3<&-
  url=${line#listening }
  [[ $line =~ ^listening\ https?://127\.0\.0\.1:[0-9]+$ ]] || fail "$name: unexpected first line: $line"
}

# wait_exit PID: its exit status, failing if it takes more than 10 s.
wait_exit() {
  local p=$1 i
  for i in $(seq 100); do
    kill -0 "$p" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$p" 2>/dev/null; then fail "pid $p still running 10 s after the signal"; return 1; fi
  wait "$p"
}

# TLS with a token; the kubeconfig's CA verifies the server.
start_server tls --token s3cret || exit 1
[[ $url == https://* ]] || fail "TLS server url $url"
kc=$tmp/tls.kubeconfig
grep -q "server: $url" "$kc" || fail "kubeconfig lacks server $url"
grep -q 'certificate-authority-data: ' "$kc" || fail "kubeconfig lacks certificate-authority-data"
grep -q 'token: "s3cret"' "$kc" || fail "kubeconfig lacks the token"
grep -q 'current-context: steward-testapi' "$kc" || fail "kubeconfig lacks current-context"
sed -n 's/^ *certificate-authority-data: //p' "$kc" | base64 -d >"$tmp/ca.pem"
code=$(curl -s -o "$tmp/unauth.json" -w '%{http_code}' --cacert "$tmp/ca.pem" "$url/api/v1/namespaces")
[ "$code" = 401 ] || fail "no token: HTTP $code, want 401"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$tmp/ca.pem" -H 'Authorization: Bearer s3cret' "$url/api/v1/namespaces")
[ "$code" = 200 ] || fail "with token over verified TLS: HTTP $code, want 200"

if ! command -v kubectl >/dev/null 2>&1; then
  fail "kubectl not on PATH (scripts/setup installs kubernetes-client)"
else
  k() { timeout 30 kubectl --kubeconfig "$kc" "$@"; }
  printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n' >"$tmp/ns.yaml"
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: demo}\ndata: {a: b}\n' >"$tmp/cm.yaml"
  cat >"$tmp/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: demo}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: c, image: "nginx:1.25", resources: {requests: {cpu: "0.5"}}}
YAML
  k create -f "$tmp/ns.yaml" >/dev/null || fail "kubectl create namespace"
  k get --watch --output-watch-events -n demo configmaps --request-timeout=0 >"$tmp/watch.out" 2>&1 &
  watch_pid=$!
  pids+=("$watch_pid")
  k create -f "$tmp/cm.yaml" >/dev/null || fail "kubectl create configmap"
  out=$(k apply --server-side -f "$tmp/deploy.yaml") || fail "kubectl apply --server-side"
  [[ $out == *serverside-applied* ]] || fail "apply output: $out"
  cpu=$(k get -n demo deployment web -o jsonpath='{.spec.template.spec.containers[0].resources.requests.cpu}')
  [ "$cpu" = 500m ] || fail "canonical cpu via kubectl: $cpu"
  [ "$(k get -n demo configmap cfg -o jsonpath='{.data.a}')" = b ] || fail "kubectl get configmap data"
  k delete -n demo configmap cfg >/dev/null || fail "kubectl delete"
  # The watch saw the create and the delete (poll its output, up to 20 s).
  for i in $(seq 200); do
    grep -q 'DELETED' "$tmp/watch.out" && break
    sleep 0.1
  done
  grep -Eq 'ADDED +cfg' "$tmp/watch.out" || fail "kubectl get --watch missed ADDED: $(cat "$tmp/watch.out")"
  grep -Eq 'DELETED +cfg' "$tmp/watch.out" || fail "kubectl get --watch missed DELETED: $(cat "$tmp/watch.out")"
  kill "$watch_pid" 2>/dev/null

  # Cluster-scoped: a server-side apply creates, get reads, a second apply updates, delete removes.
  printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: scoped, labels: {tier: "1"}}\n' >"$tmp/scoped.yaml"
  out=$(k apply --server-side -f "$tmp/scoped.yaml") || fail "kubectl apply --server-side namespace"
  [[ $out == *serverside-applied* ]] || fail "cluster-scoped apply output: $out"
  sed -i 's/tier: "1"/tier: "2"/' "$tmp/scoped.yaml"
  k apply --server-side -f "$tmp/scoped.yaml" >/dev/null || fail "kubectl re-apply namespace"
  [ "$(k get namespace scoped -o jsonpath='{.metadata.labels.tier}')" = 2 ] || fail "kubectl get namespace label"
  k get namespaces -o name | grep -qx 'namespace/scoped' || fail "kubectl get namespaces lacks scoped"
  k delete namespace scoped >/dev/null || fail "kubectl delete namespace"
  k get namespace scoped >/dev/null 2>&1 && fail "namespace scoped still there after delete"
fi

kill -TERM "$pid"
wait_exit "$pid"; rc=$?
[ $rc -eq 0 ] || fail "SIGTERM: exit $rc, want 0"

# Plain HTTP; SIGINT ends it cleanly too.
start_server plain --plain --token t || exit 1
[[ $url == http://* ]] || fail "plain server url $url"
grep -q 'certificate-authority-data' "$tmp/plain.kubeconfig" && fail "plain kubeconfig has a CA"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer t' "$url/version")
[ "$code" = 200 ] || fail "plain /version: HTTP $code"
# A body over 1 KiB makes curl ask "Expect: 100-continue"; the server must answer it at once, not
# leave curl to wait a second.
printf '{"metadata":{"name":"big"},"data":{"v":"%s"}}' "$(head -c 5000 /dev/zero | tr '\0' x)" >"$tmp/big.json"
t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H 'Authorization: Bearer t' -H 'Content-Type: application/json' \
      --data-binary @"$tmp/big.json" "$url/api/v1/namespaces/default/configmaps")
[ "${t% *}" = 201 ] || fail "large create: $t"
awk -v s="${t#* }" 'BEGIN { exit !(s < 0.9) }' || fail "large create took ${t#* } s (100-continue not answered?)"
kill -INT "$pid"
wait_exit "$pid"; rc=$?
[ $rc -eq 0 ] || fail "SIGINT: exit $rc, want 0"

[ $failures -eq 0 ] && echo "testapi cli: all checks passed"
exit $((failures > 0))
