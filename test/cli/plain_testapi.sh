# Sourced by the CLI tests that drive steward against one steward-testapi over plain HTTP, so curl
# can look at and change what steward did: `. plain_testapi.sh TESTAPI-BINARY`. Afterwards $server
# is the server's URL, $token its bearer token and $dir/kubeconfig a kubeconfig for it; $dir is a
# scratch folder, removed on exit with every process in $pids (the server is one); `fail MESSAGE`
# counts a failure in $failures; `wait_for SECONDS CMD...` runs CMD every 0.1 s until it succeeds
# (false after SECONDS); `color NAME` prints data.color of ConfigMap default/NAME, or <absent>.
dir=$(mktemp -d)
failures=0
token=t0ken
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
wait_for() {
  local tries=$(($1 * 10)); shift
  for _ in $(seq 1 "$tries"); do "$@" && return 0; sleep 0.1; done
  return 1
}
color() {
  local body
  body=$(curl -sS -H "Authorization: Bearer $token" "$server/api/v1/namespaces/default/configmaps/$1")
  grep -q '"kind":"Status"' <<<"$body" && { echo "<absent>"; return; }
  grep -o '"color":"[^"]*"' <<<"$body" | cut -d'"' -f4
}

"$1" --listen 127.0.0.1:0 --plain --token $token --kubeconfig-out "$dir/kubeconfig" \
  >"$dir/testapi.out" 2>&1 &
pids+=($!)
# Up to 60 s: a sanitizer build starts slowly.
for _ in $(seq 1 600); do grep -q '^listening ' "$dir/testapi.out" && break; sleep 0.1; done
server=$(sed -n 's/^listening //p' "$dir/testapi.out")
[ -n "$server" ] || { echo "FAIL: steward-testapi did not start"; exit 1; }
