# Sourced by the CLI tests that drive steward against one steward-testapi over plain HTTP, so curl
# can look at and change what steward did: `. plain_testapi.sh TESTAPI-BINARY [SERVER-FLAG...]`
# (say --log-writes: its lines go to $dir/testapi.out). Afterwards $server
# is the server's URL, $token its bearer token and $dir/kubeconfig a kubeconfig for it; $dir is a
# scratch folder, removed on exit with every process in $pids (the server is one); `fail MESSAGE`
# counts a failure in $failures; `wait_for SECONDS CMD...` runs CMD every 0.1 s until it succeeds
# (false after SECONDS). A $token set before sourcing is the server's token; KEEP=1 keeps $dir.
# With STEWARD_REAL_APISERVER_KUBECONFIG set, the same against that real kube-apiserver instead
# (real_apiserver.sh), and $real_apiserver is 1.
dir=$(mktemp -d)
failures=0
token=${token:-t0ken}
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  [ -n "${KEEP:-}" ] && echo "kept $dir" || rm -rf "$dir"
}
trap cleanup EXIT
wait_for() {
  local tries=$(($1 * 10)); shift
  for _ in $(seq 1 "$tries"); do "$@" && return 0; sleep 0.1; done
  return 1
}

real_apiserver=${STEWARD_REAL_APISERVER_KUBECONFIG:+1}
[ -n "$real_apiserver" ] && { . "$(dirname "${BASH_SOURCE[0]}")/real_apiserver.sh"; return; }
"$1" --listen 127.0.0.1:0 --plain --token $token --kubeconfig-out "$dir/kubeconfig" "${@:2}" \
  >"$dir/testapi.out" 2>&1 &
pids+=($!)
# Up to 60 s: a sanitizer build starts slowly.
for _ in $(seq 1 600); do grep -q '^listening ' "$dir/testapi.out" && break; sleep 0.1; done
server=$(sed -n 's/^listening //p' "$dir/testapi.out")
[ -n "$server" ] || { echo "FAIL: steward-testapi did not start"; exit 1; }
