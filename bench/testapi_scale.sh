#!/usr/bin/env bash
# steward-testapi at the scale steward's benchmarks need (issue: 100,000 ConfigMaps, hundreds of
# concurrent watches), measured with clients that are not steward: curl over TLS.
# Prints name=value lines:
#   testapi_seed_seconds           start to "listening" with N ConfigMaps of B bytes seeded
#   testapi_rss_bytes              the server's resident memory holding them
#   testapi_list_50000_seconds     curl: GET of 50,000 of them in one page (limit=50000)
#   testapi_list_all_seconds       curl: GET of all N, unpaged
#   testapi_watchers               concurrent watch streams (one curl each)
#   testapi_fanout_events          events delivered: writes x watchers
#   testapi_fanout_seconds         from the first write until every watcher has every event
#   testapi_fanout_events_per_sec
# Usage: bench/testapi_scale.sh STEWARD-TESTAPI [N] [BYTES] [WATCHERS] [WRITES]
set -euo pipefail
testapi=$1
objects=${2:-100000}
bytes=${3:-1024}
watchers=${4:-300}
writes=${5:-100}
dir=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

start=$(now)
"$testapi" --listen 127.0.0.1:0 --token bench --kubeconfig-out "$dir/kubeconfig" \
  --seed-configmaps "$objects" --seed-bytes "$bytes" >"$dir/testapi.out" 2>&1 &
server_pid=$!
pids+=($server_pid)
for _ in $(seq 1 1200); do grep -q '^listening ' "$dir/testapi.out" && break; sleep 0.1; done
url=$(sed -n 's/^listening //p' "$dir/testapi.out")
[ -n "$url" ] || { echo "steward-testapi did not start" >&2; exit 1; }
echo "testapi_seed_seconds=$(since "$start")"
echo "testapi_rss_bytes=$(( $(ps -o rss= -p $server_pid) * 1024 ))"
sed -n 's/^ *certificate-authority-data: //p' "$dir/kubeconfig" | base64 -d >"$dir/ca.pem"
get() { curl -sS --fail --cacert "$dir/ca.pem" -H 'Authorization: Bearer bench' "$@"; }

start=$(now)
get -o "$dir/list50k.json" "$url/api/v1/namespaces/bench/configmaps?limit=50000"
echo "testapi_list_50000_seconds=$(since "$start")"
grep -q '"continue":"' "$dir/list50k.json" || [ "$objects" -le 50000 ] ||
  { echo "a 50,000-item page of $objects objects has no continue token" >&2; exit 1; }
start=$(now)
get -o "$dir/list.json" "$url/api/v1/namespaces/bench/configmaps"
echo "testapi_list_all_seconds=$(since "$start")"
# The list's own version comes first in the body (ListMeta before items).
rv=$(head -c 300 "$dir/list.json" | sed -n 's/[^{]*{[^{]*{"resourceVersion":"\([^"]*\)".*/\1/p')
[ -n "$rv" ] || { echo "no list resourceVersion in: $(head -c 300 "$dir/list.json")" >&2; exit 1; }

# Watchers from the list's version, in namespace "fan" (empty so far): each must see every write.
for i in $(seq 1 "$watchers"); do
  get -N "$url/api/v1/namespaces/fan/configmaps?watch=1&resourceVersion=$rv&timeoutSeconds=120" \
    >"$dir/watch.$i" 2>/dev/null &
  pids+=($!)
done
get -o /dev/null -H 'Content-Type: application/json' -X POST "$url/api/v1/namespaces" \
  -d '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"fan"}}'
# Every watcher's connection is open once the server counts it; without such a count, wait until a
# marker object (written before the timed writes) has reached every one of them.
get -o /dev/null -H 'Content-Type: application/json' -X POST "$url/api/v1/namespaces/fan/configmaps" \
  -d '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"marker"}}'
all_have() {  # all_have N: every watch file holds at least N events (one wc for all of them)
  wc -l "$dir"/watch.* | awk -v n="$1" '$2 != "total" && $1 < n { short = 1 } END { exit short }'
}
for _ in $(seq 1 600); do all_have 1 && break; sleep 0.1; done
all_have 1 || { echo "not every watcher saw the marker" >&2; exit 1; }

# The timed part: one client writes, the server fans each event out to every watcher.
body=$(printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c%%d"},"data":{"v":"%s"}}' \
  "$(head -c "$bytes" /dev/zero | tr '\0' x)")
config=$dir/writes.curl
: >"$config"
for i in $(seq 1 "$writes"); do
  # Each block carries every option: "next" resets them all, the command line's included.
  printf 'url = "%s/api/v1/namespaces/fan/configmaps"\nrequest = "POST"\noutput = "/dev/null"\n' "$url" >>"$config"
  printf 'cacert = "%s"\nheader = "Authorization: Bearer bench"\nheader = "Content-Type: application/json"\nfail\nsilent\nshow-error\n' "$dir/ca.pem" >>"$config"
  printf -v one "$body" "$i"
  printf 'data = "%s"\n' "${one//\"/\\\"}" >>"$config"
  [ "$i" -lt "$writes" ] && echo next >>"$config"
done
start=$(now)
curl -K "$config"
for _ in $(seq 1 1200); do all_have $((writes + 1)) && break; sleep 0.05; done
all_have $((writes + 1)) || { echo "not every watcher saw every write" >&2; exit 1; }
seconds=$(since "$start")
echo "testapi_watchers=$watchers"
echo "testapi_fanout_events=$((writes * watchers))"
echo "testapi_fanout_seconds=$seconds"
awk -v n=$((writes * watchers)) -v s="$seconds" 'BEGIN { printf "testapi_fanout_events_per_sec=%d\n", n / s }'
