#!/usr/bin/env bash
# steward run against steward-testapi (plain HTTP, so curl can look): --once, --once --dry-run, a bad
# config, and a Kubernetes ConfigMap-volume update (the atomic ..data symlink swap) picked up by the
# running daemon.
set -u
steward=$1
testapi=$2
. "$(dirname "$0")/plain_testapi.sh" "$testapi"

eventually() {  # eventually NAME COLOR: up to 60 s (sanitizer builds are slow)
  for _ in $(seq 1 600); do [ "$(color "$1")" = "$2" ] && return 0; sleep 0.1; done
  return 1
}
config() {  # config FILE SOURCE-PATH [SOURCE-NAME]
  printf 'apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources:\n- name: %s\n  path: %s\n  prune: true\nreconcile:\n  debounce: 100ms\nmetrics: {bindAddress: "0"}\nhealth: {bindAddress: "0"}\n' "${3:-s}" "$2" > "$1"
}
manifest() {  # manifest NAME COLOR
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  color: %s\n' "$1" "$2"
}

# --once: creates, then exits 0 because the cluster matches.
mkdir -p "$dir/once"
manifest once-a blue > "$dir/once/a.yaml"
config "$dir/once.yaml" "$dir/once"
"$steward" run --once --config "$dir/once.yaml" --kubeconfig "$dir/kubeconfig" > "$dir/once.log" 2>&1
rc=$?
[ $rc -eq 0 ] || fail "--once exited $rc: $(tail -n 3 "$dir/once.log")"
[ "$(color once-a)" = blue ] || fail "--once did not create once-a"
grep -q '"msg":"in sync"' "$dir/once.log" || fail "--once did not log in sync"

# --once --dry-run: reports what it would create, writes nothing. A source of its own: under the
# name "s" it would be the source of once-a losing all its objects, a prune the guard refuses.
mkdir -p "$dir/dry"
manifest dry-a blue > "$dir/dry/a.yaml"
config "$dir/dry.yaml" "$dir/dry" dry
"$steward" run --once --dry-run --config "$dir/dry.yaml" --kubeconfig "$dir/kubeconfig" \
  > "$dir/dry.log" 2>&1 || fail "--once --dry-run exited $?"
[ "$(color dry-a)" = "<absent>" ] || fail "--dry-run wrote dry-a"
grep -q '"msg":"created","key":"ConfigMap default/dry-a".*"dryRun":"true"' "$dir/dry.log" ||
  fail "--dry-run did not report the create: $(cat "$dir/dry.log")"

# A bad config: one line per error with its place, exit 1, nothing started.
printf 'apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources:\n- name: s\n  path: x\nreconcile:\n  worker: 3\n' > "$dir/bad.yaml"
out=$("$steward" run --config "$dir/bad.yaml" --kubeconfig "$dir/kubeconfig" 2>&1); rc=$?
[ $rc -eq 1 ] || fail "bad config exited $rc"
grep -q 'bad.yaml:7:3: ' <<<"$out" || fail "bad config error without its place: $out"

# A ConfigMap volume, as the kubelet writes it, updated with the atomic ..data swap.
vol=$dir/volume
mkdir -p "$vol/..2026_11_25_10_00_00.1"
manifest volume-a blue > "$vol/..2026_11_25_10_00_00.1/a.yaml"
ln -s ..2026_11_25_10_00_00.1 "$vol/..data"
ln -s ..data/a.yaml "$vol/a.yaml"
config "$dir/volume.yaml" "$vol"
"$steward" run --config "$dir/volume.yaml" --kubeconfig "$dir/kubeconfig" > "$dir/volume.log" 2>&1 &
daemon=$!
pids+=($daemon)
eventually volume-a blue || fail "daemon did not create volume-a"
mkdir -p "$vol/..2026_11_25_10_05_00.2"
manifest volume-a green > "$vol/..2026_11_25_10_05_00.2/a.yaml"
ln -s ..2026_11_25_10_05_00.2 "$vol/..data_tmp"
mv -T "$vol/..data_tmp" "$vol/..data"
rm -rf "$vol/..2026_11_25_10_00_00.1"
eventually volume-a green || fail "the ..data swap was not picked up: $(tail -n 5 "$dir/volume.log")"
kill -TERM $daemon
wait $daemon; rc=$?
[ $rc -eq 0 ] || fail "daemon exited $rc after SIGTERM"
grep -q '"msg":"stopped","exitCode":"0"' "$dir/volume.log" || fail "no clean stop logged"

[ $failures -eq 0 ] && echo "all passed"
exit $failures
