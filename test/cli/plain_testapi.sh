# Sourced by the CLI tests that drive steward against one steward-testapi over plain HTTP, so curl
# can look at and change what steward did:
# `. plain_testapi.sh TESTAPI-BINARY [--later] [--tls] [SERVER-FLAG...]` (say --log-writes: its
# lines go to $dir/testapi.out). With --tls the server serves HTTPS with a CA of its own, which curl
# is told to trust as for a real server: kubectl sends no bearer token over plain HTTP. Afterwards $server is the server's URL, $token its bearer token and
# $dir/kubeconfig a kubeconfig for it; with --later nothing is started until the test calls
# `start_testapi HOST:PORT` (a test of a server that is not there yet). $dir is a scratch folder,
# removed on exit with every process in $pids (the server is one, also in $testapi_pid). A $token
# set before sourcing is the server's token; KEEP=1 keeps $dir.
# With STEWARD_REAL_APISERVER_KUBECONFIG set, the same against that real kube-apiserver instead
# (real_apiserver.sh), and $real_apiserver is 1.
# Helpers: `fail MESSAGE` counts a failure in $failures; `wait_for SECONDS CMD...` runs CMD every
# 0.1 s until it succeeds (false after SECONDS); `color NAME` prints data.color
# of ConfigMap default/NAME, or <absent>; the others say what they do where they are.
dir=$(mktemp -d)
failures=0
token=${token:-t0ken}
testapi=$1
testapi_later=0
testapi_tls=0
testapi_flags=()
for arg in "${@:2}"; do
  case $arg in
    --later) testapi_later=1 ;;
    --tls) testapi_tls=1 ;;
    *) testapi_flags+=("$arg") ;;
  esac
done
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pids=()
cleanup() {
  # SIGCONT too: a server stopped by restart_server's down time would never act on SIGTERM.
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; kill -CONT "$pid" 2>/dev/null; done
  wait 2>/dev/null
  [ -n "${KEEP:-}" ] && echo "kept $dir" || rm -rf "$dir"
}
trap cleanup EXIT
wait_for() {
  local tries=$(($1 * 10)); shift
  for _ in $(seq 1 "$tries"); do "$@" && return 0; sleep 0.1; done
  return 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }  # elapsed SINCE
# wait_exit PID SECONDS: the exit status of PID, or 124 if it is still running after SECONDS.
wait_exit() {
  wait_for "$2" eval '! kill -0 '"$1"' 2>/dev/null' || return 124
  wait "$1"
}
# A free loopback port (the kernel picks it; released at once for the server that needs it).
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# api METHOD PATH [BODY [CONTENT-TYPE]]: a request to the server with $token; prints the answer.
api() {
  curl -sS -X "$1" -H "Authorization: Bearer $token" \
    -H "Content-Type: ${4:-application/json}" ${3:+--data "$3"} "$server$2"
}
# serving_port LOG metrics|probes: the port that steward's "serving" line in LOG names.
serving_port() { grep -m1 '"msg":"serving"' "$1" | grep -o "\"$2\":\"[0-9]*\"" | grep -o '[0-9]\+'; }
# metric PORT SAMPLE: the sum of the /metrics samples on PORT whose line starts with SAMPLE (a name,
# or a name and the start of its labels), 0 when there is none.
metric() {
  curl -sS "http://127.0.0.1:$1/metrics" |
    awk -v p="$2" 'index($0, p) == 1 { sum += $NF } END { printf "%d\n", sum }'
}
# metric_with PORT NAME LABEL: the sum of NAME's samples having LABEL (`resource="configmaps"`)
# wherever it stands among their labels, 0 when there is none.
metric_with() {
  curl -sS "http://127.0.0.1:$1/metrics" |
    awk -v n="$2{" -v l="$3" 'index($0, n) == 1 && (index($0, "{" l) || index($0, "," l)) { sum += $NF }
                              END { printf "%d\n", sum }'
}
# series PORT SERIES: the value of the one sample SERIES (name and labels, as /metrics spells
# them), or <absent>: unlike metric, a missing gauge does not read as 0.
series() {
  curl -sS "http://127.0.0.1:$1/metrics" |
    awk -v s="$2" '$1 == s { v = $2; found = 1 } END { print found ? v : "<absent>" }'
}
# write_kubeconfig FILE SERVER USER-FIELDS: a kubeconfig for SERVER whose user has USER-FIELDS
# (a YAML flow mapping's inside: `token: T` or `tokenFile: PATH`), context namespace default.
write_kubeconfig() {
  printf 'apiVersion: v1\nkind: Config\nclusters:\n- {name: c, cluster: {server: "%s"}}\nusers:\n- {name: u, user: {%s}}\ncontexts:\n- {name: c, context: {cluster: c, user: u, namespace: default}}\ncurrent-context: c\n' \
    "$2" "$3" >"$1"
}
# steward_config FILE SOURCE-PATH [MORE-YAML]: a StewardConfig with one source, s, at SOURCE-PATH,
# a 100 ms debounce, /metrics and the probes on free loopback ports, and MORE-YAML lines.
steward_config() {
  printf 'apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources:\n- {name: s, path: %s}\nreconcile: {debounce: 100ms}\nmetrics: {bindAddress: "127.0.0.1:0"}\nhealth: {bindAddress: "127.0.0.1:0"}\n%s' \
    "$2" "${3:+$3
}" >"$1"
}
# run_steward CONFIG KUBECONFIG: `$steward run` in the background, logging to $log
# ($dir/steward.log); sets $pid, then $metrics and $probes (ports) once it serves.
run_steward() {
  log=$dir/steward.log
  "$steward" run --config "$1" --kubeconfig "$2" >"$log" 2>&1 &
  pid=$!
  pids+=($pid)
  wait_for 60 grep -q '"msg":"serving"' "$log" || { fail "steward did not serve: $(tail -n 3 "$log")"; exit 1; }
  metrics=$(serving_port "$log" metrics)
  probes=$(serving_port "$log" probes)
}
probe() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$probes$1"; }  # probe PATH: its status
color() {
  local body
  body=$(curl -sS -H "Authorization: Bearer $token" "$server/api/v1/namespaces/default/configmaps/$1")
  grep -q '"kind":"Status"' <<<"$body" && { echo "<absent>"; return; }
  grep -o '"color":"[^"]*"' <<<"$body" | cut -d'"' -f4
}

# planned_manifests FOLDER [VERSION]: a Namespace, planned-ns, that neither server holds, ConfigMap
# planned-cm in it, CRD gadgets.planned.example.com (v1 served, v0 not) and its Gadget g1
# (apiVersion planned.example.com/VERSION, v1 unless given) in planned-ns, one file each: what a
# dry run can only plan (issue 19).
planned_manifests() {
  mkdir -p "$1"
  printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: planned-ns}\n' >"$1/ns.yaml"
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: planned-cm, namespace: planned-ns}\ndata: {color: blue}\n' \
    >"$1/cm.yaml"
  printf '%s\n' 'apiVersion: apiextensions.k8s.io/v1' 'kind: CustomResourceDefinition' \
    'metadata: {name: gadgets.planned.example.com}' \
    'spec:' '  group: planned.example.com' '  scope: Namespaced' \
    '  names: {plural: gadgets, singular: gadget, kind: Gadget, listKind: GadgetList}' \
    '  versions:' \
    '  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}' \
    '  - {name: v0, served: false, storage: false, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}' \
    >"$1/crd.yaml"
  printf 'apiVersion: planned.example.com/%s\nkind: Gadget\nmetadata: {name: g1, namespace: planned-ns}\nspec: {size: 3}\n' \
    "${2:-v1}" >"$1/gadget.yaml"
}
# start_testapi [HOST:PORT]: steward-testapi in the background on HOST:PORT (default: a free
# port), with $token; sets $server and $testapi_pid once it listens, and writes $dir/kubeconfig.
start_testapi() {
  local plain=--plain
  [ $testapi_tls = 1 ] && plain=()
  "$testapi" --listen "${1:-127.0.0.1:0}" ${plain[@]+"${plain[@]}"} --token $token \
    --kubeconfig-out "$dir/kubeconfig" "${testapi_flags[@]}" >"$dir/testapi.out" 2>&1 &
  testapi_pid=$!
  pids+=($testapi_pid)
  # Up to 60 s: a sanitizer build starts slowly.
  wait_for 60 grep -qs '^listening ' "$dir/testapi.out"
  server=$(sed -n 's/^listening //p' "$dir/testapi.out")
  [ -n "$server" ] || { echo "FAIL: steward-testapi did not start: $(cat "$dir/testapi.out")"; exit 1; }
  if [ $testapi_tls = 1 ]; then
    sed -n 's/^ *certificate-authority-data: //p' "$dir/kubeconfig" | head -n 1 | base64 -d >"$dir/ca.pem"
    printf 'cacert = "%s"\n' "$dir/ca.pem" >"$dir/.curlrc"
    export CURL_HOME=$dir
  fi
}
# restart_server [DOWN-SECONDS]: the API server restarts, as a kube-apiserver rollout restarts it:
# every connection dropped, its watch cache rebuilt at the current version (older resourceVersions
# are too old to watch from), the objects kept; with DOWN-SECONDS it answers nothing that long
# first. Returns once the server is back. On a real server `scripts/kube-apiserver restart`
# (needs STEWARD_REAL_APISERVER_DIR, which `scripts/kube-apiserver run` sets); on steward-testapi
# its restart fault, then SIGSTOP for the down time: a server that answers nothing at all is what
# an unreachable one looks like to a client (refusing watches only would leave lists and writes
# working, and stopping it for good would lose its in-memory objects).
# compact_server: etcd compacted at the current version, as kube-apiserver's compactor does every
# 5 minutes (continue tokens and reads at older versions answer 410).
restart_server() {
  if [ -n "$real_apiserver" ]; then
    real_apiserver_harness restart "${STEWARD_REAL_APISERVER_DIR:-}" ${1:+--down "$1"}
    return
  fi
  testapi_fault '{"restart":true}' || return 1
  if [ "${1:-0}" -gt 0 ]; then
    kill -STOP "$testapi_pid"
    sleep "$1"   # the down time itself, not a wait for something
    kill -CONT "$testapi_pid"
  fi
}
compact_server() {
  if [ -n "$real_apiserver" ]; then
    real_apiserver_harness compact "${STEWARD_REAL_APISERVER_DIR:-}"
    return
  fi
  testapi_fault '{"compact":true}'
}
# testapi_fault JSON: POST /_testapi/faults, done once it returns. The server acts on restart and
# compact after it has answered, on its one thread, so a second request's answer comes after.
testapi_fault() {
  local answer
  answer=$(api POST /_testapi/faults "$1") && [[ $answer == '{'* && $answer != *'"kind":"Status"'* ]] &&
    api GET /_testapi/faults >/dev/null || { fail "steward-testapi refused the fault $1: $answer"; return 1; }
}
# real_apiserver_harness COMMAND DIR [ARGS...]: scripts/kube-apiserver COMMAND on the server that
# `scripts/kube-apiserver run` started for this test (its progress on stderr, its ready line
# dropped).
real_apiserver_harness() {
  [ -n "${2:-}" ] || { fail "$1: STEWARD_REAL_APISERVER_DIR is not set (scripts/kube-apiserver run sets it)"; return 1; }
  "$(dirname "${BASH_SOURCE[0]}")/../../scripts/kube-apiserver" "$@" >/dev/null ||
    { fail "scripts/kube-apiserver $1 failed"; return 1; }
}
real_apiserver=${STEWARD_REAL_APISERVER_KUBECONFIG:+1}
[ -n "$real_apiserver" ] && { . "$(dirname "${BASH_SOURCE[0]}")/real_apiserver.sh"; return; }
[ $testapi_later = 1 ] || start_testapi
