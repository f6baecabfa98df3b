#!/usr/bin/env bash
# steward run --metrics-secure: /metrics over HTTPS (a self-signed certificate), served only to
# callers the API server authenticates (TokenReview) and allows to get /metrics
# (SubjectAccessReview), as controller-runtime's metrics authentication does:
#   no token 401, a token the server rejects 401, a user without the right 403, a user bound to
#   deploy/base's steward-metrics-reader 200 with the metrics; plain HTTP gets no answer; the
#   probes stay plain HTTP; a real Prometheus scrapes it with a token as deploy/'s ServiceMonitor
#   does (up with the allowed token, down with the other); no token appears in steward's log
#   (debug level); and, on
#   steward-testapi, a review the API server cannot answer gives 503, never 200. --metrics-cert-dir
#   serves its tls.crt (curl verifies it), and stops steward at start when its key is missing;
#   metrics.secure and metrics.certDir in the config do the same, --metrics-secure=false wins.
# Against steward-testapi (its static users, --user) or a real kube-apiserver (plain_testapi.sh;
# scripts/kube-apiserver's users prometheus and nobody).
# Usage: metrics_auth_test.sh STEWARD STEWARD-TESTAPI
set -u
steward=$1
. "$(dirname "$0")/plain_testapi.sh" "$2" --user prometheus-t0ken,prometheus,prometheus-uid \
  --user nobody-t0ken,nobody,nobody-uid
repo=$(cd "$(dirname "$0")/../.." && pwd)
if [ -n "$real_apiserver" ]; then
  user_token() { "$repo/scripts/kube-apiserver" token "$STEWARD_REAL_APISERVER_DIR" "$1"; }
  prometheus_token=$(user_token prometheus) && nobody_token=$(user_token nobody) ||
    { echo "FAIL: no prometheus or nobody user in the real server's token file"; exit 1; }
else
  prometheus_token=prometheus-t0ken
  nobody_token=nobody-t0ken
fi

# The reader role as deploy/ ships it, bound to prometheus only.
reader=$(api PATCH "/apis/rbac.authorization.k8s.io/v1/clusterroles/steward-metrics-reader?fieldManager=test" \
  "$(cat "$repo/deploy/base/clusterrole-metrics-reader.yaml")" application/apply-patch+yaml)
grep -q '"nonResourceURLs":\["/metrics"\]' <<<"$reader" || { echo "FAIL: applying the reader role: $reader"; exit 1; }
binding=$(api POST /apis/rbac.authorization.k8s.io/v1/clusterrolebindings \
  '{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"prometheus-steward-metrics"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"steward-metrics-reader"},"subjects":[{"kind":"User","name":"prometheus"}]}')
grep -q '"name":"prometheus-steward-metrics"' <<<"$binding" || { echo "FAIL: binding: $binding"; exit 1; }

mkdir -p "$dir/manifests"
steward_config "$dir/steward.yaml" "$dir/manifests"
log=$dir/steward.log
"$steward" run --config "$dir/steward.yaml" --kubeconfig "$dir/kubeconfig" --metrics-secure \
  --log-level debug >"$log" 2>&1 &
pid=$!
pids+=($pid)
wait_for 60 grep -q '"msg":"serving"' "$log" || { echo "FAIL: steward did not serve: $(tail -n 3 "$log")"; exit 1; }
metrics=$(serving_port "$log" metrics)
probes=$(serving_port "$log" probes)
grep -q '"metricsSecure":"true"' "$log" || fail "the serving line does not say metricsSecure: $(grep serving "$log")"

# scrape [TOKEN]: "STATUS BODY-FILE" of GET https://.../metrics, the certificate not verified.
scrape() {
  curl -sk --max-time 60 -o "$dir/body" -w '%{http_code}' ${1:+-H "Authorization: Bearer $1"} \
    "https://127.0.0.1:$metrics/metrics"
}
[ "$(scrape)" = 401 ] || fail "no token: $(scrape) $(head -c 200 "$dir/body")"
[ "$(scrape made-up-t0ken)" = 401 ] || fail "a rejected token: $(head -c 200 "$dir/body")"
status=$(scrape "$nobody_token")
[ "$status" = 403 ] || fail "nobody: $status $(head -c 200 "$dir/body")"
grep -q 'Authorization denied for user nobody' "$dir/body" || fail "the 403 body: $(head -c 200 "$dir/body")"
status=$(scrape "$prometheus_token")
[ "$status" = 200 ] || fail "prometheus: $status $(head -c 200 "$dir/body")"
grep -q '^steward_build_info{' "$dir/body" || fail "prometheus got no metrics: $(head -c 300 "$dir/body")"
# Plain HTTP on the metrics port is a failed TLS handshake: no HTTP answer at all.
plain=$(curl -s --max-time 30 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$metrics/metrics")
[ "$plain" = 000 ] || fail "plain HTTP to the metrics port answered $plain"
# The kubelet's probes: plain HTTP, no token.
[ "$(probe /healthz)" = 200 ] || fail "/healthz over plain HTTP: $(probe /healthz)"

# A real Prometheus scrapes it as deploy/optional/servicemonitor.yaml has it scrape: https, the
# certificate not verified, a bearer token; the job with nobody's token is down (403).
if command -v prometheus >/dev/null; then
  prom_port=$(free_port)
  printf '%s\n' "$prometheus_token" >"$dir/prometheus.token"
  printf '%s\n' "$nobody_token" >"$dir/nobody.token"
  cat >"$dir/prometheus.yml" <<EOF2
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
- job_name: allowed
  scheme: https
  tls_config: {insecure_skip_verify: true}
  authorization: {credentials_file: $dir/prometheus.token}
  static_configs: [{targets: ["127.0.0.1:$metrics"]}]
- job_name: forbidden
  scheme: https
  tls_config: {insecure_skip_verify: true}
  authorization: {credentials_file: $dir/nobody.token}
  static_configs: [{targets: ["127.0.0.1:$metrics"]}]
EOF2
  prometheus --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/tsdb" \
    --web.listen-address="127.0.0.1:$prom_port" >"$dir/prometheus.log" 2>&1 &
  pids+=($!)
  query() { curl -sS -G "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" 2>/dev/null; }
  has_result() { query "$1" | grep -q "\"$2\""; }
  wait_for 90 has_result 'steward_build_info{job="allowed"}' version ||
    fail "Prometheus did not scrape steward over https: $(query 'up') $(tail -n 5 "$dir/prometheus.log")"
  wait_for 90 has_result 'up{job="forbidden"} == 0' value ||
    fail "the forbidden job is not down: $(query 'up')"
  has_result 'steward_build_info{job="forbidden"}' version && fail "the forbidden job got metrics"
else
  fail "prometheus not on PATH (scripts/setup installs it)"
fi

# --metrics-cert-dir: the certificate served is the one in the folder; a folder without its key
# stops steward at start (exit 1), naming the file.
mkdir -p "$dir/certs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=steward-cert-dir-test \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$dir/certs/tls.key" -out "$dir/certs/tls.crt" >/dev/null 2>&1 ||
  fail "openssl could not make a certificate"
# This time from the config file (metrics.secure, metrics.certDir relative to the file's folder).
printf 'apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources:\n- {name: s, path: %s}\nmetrics: {bindAddress: "127.0.0.1:0", secure: true, certDir: certs}\nhealth: {bindAddress: "127.0.0.1:0"}\n' \
  "$dir/manifests" >"$dir/steward2.yaml"
"$steward" run --config "$dir/steward2.yaml" --kubeconfig "$dir/kubeconfig" >"$dir/steward2.log" 2>&1 &
pid2=$!
pids+=($pid2)
wait_for 60 grep -q '"msg":"serving"' "$dir/steward2.log" || fail "steward with --metrics-cert-dir did not serve: $(tail -n 3 "$dir/steward2.log")"
metrics2=$(serving_port "$dir/steward2.log" metrics)
status=$(curl -s --max-time 30 --cacert "$dir/certs/tls.crt" -o "$dir/body" -w '%{http_code}' \
  -H "Authorization: Bearer $prometheus_token" "https://127.0.0.1:$metrics2/metrics")
[ "$status" = 200 ] || fail "the --metrics-cert-dir certificate does not verify or serve: $status"
kill "$pid2"
# --metrics-secure=false wins over the file's secure: true.
"$steward" run --config "$dir/steward2.yaml" --kubeconfig "$dir/kubeconfig" --metrics-secure=false \
  >"$dir/steward4.log" 2>&1 &
pid4=$!
pids+=($pid4)
wait_for 60 grep -q '"msg":"serving"' "$dir/steward4.log" || fail "steward --metrics-secure=false did not serve"
grep -q '"metricsSecure":"false"' "$dir/steward4.log" ||
  fail "--metrics-secure=false did not override metrics.secure: $(grep serving "$dir/steward4.log")"
metrics4=$(serving_port "$dir/steward4.log" metrics)
[ "$(curl -s --max-time 30 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$metrics4/metrics")" = 200 ] ||
  fail "plain /metrics without --metrics-secure"
kill "$pid4"
rm "$dir/certs/tls.key"
"$steward" run --config "$dir/steward2.yaml" --kubeconfig "$dir/kubeconfig" --metrics-secure \
  --metrics-cert-dir "$dir/certs" >"$dir/steward3.log" 2>&1 &
pid3=$!
pids+=($pid3)
wait_exit $pid3 60; rc=$?
[ $rc = 1 ] || fail "a cert dir without tls.key: exit $rc, want 1"
# A cert dir without secure metrics is a mistake: exit 2 for the flag.
"$steward" run --config "$dir/steward.yaml" --kubeconfig "$dir/kubeconfig" --metrics-cert-dir "$dir/certs" \
  >"$dir/steward5.log" 2>&1
rc=$?
[ $rc = 2 ] || fail "--metrics-cert-dir without --metrics-secure: exit $rc, want 2"
grep -q "tls.key" "$dir/steward3.log" || fail "the error does not name tls.key: $(tail -n 2 "$dir/steward3.log")"

if [ -z "$real_apiserver" ]; then
  # The API server gone: an unreviewed token is refused with 503, never served.
  kill "$testapi_pid"
  wait "$testapi_pid" 2>/dev/null
  status=$(scrape never-reviewed-t0ken)
  [ "$status" = 503 ] || fail "a scrape the API server cannot review: $status $(head -c 200 "$dir/body")"
  grep -q '"msg":"cannot authenticate a request' "$log" || fail "no warning about the failed review"
fi

# Whatever was logged, at debug level: never a token.
for t in "$prometheus_token" "$nobody_token" made-up-t0ken never-reviewed-t0ken "$token"; do
  grep -qF -- "$t" "$log" && fail "a token is in steward's log"
done
grep -q '"msg":"request forbidden","user":"nobody"' "$log" || fail "no debug line for the 403"

[ $failures -eq 0 ] && echo "metrics auth: all checks passed"
exit $((failures > 0))
