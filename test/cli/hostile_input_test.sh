#!/usr/bin/env bash
# Every hostile manifest of test/desired/hostile_inputs.cpp in one source folder beside one good
# file, through the binary:
#  - `steward validate` prints each row's error at its place, nothing else, and exits 1;
#  - `steward run --once` against steward-testapi logs the same errors and exits 1 without a
#    crash, and no write reaches the server: steward-testapi's resourceVersion is one counter
#    bumped by every write (as etcd's revision), so it must not move. The source has no good
#    state in this process, so nothing of it is applied (the good file's change included) and
#    nothing is pruned (an object the source's earlier run applied, since removed, stays);
#  - an object of a kind nothing serves is valid offline; `run --once` reports it with its
#    file:line as a permanent error and exits 1 at once, the rest of its source applied.
set -u
steward=$1
testapi=$2
corpus=$3
. "$(dirname "$0")/plain_testapi.sh" "$testapi"

api() { curl -sS -H "Authorization: Bearer $token" "$server$1"; }
revision() { api /api/v1/configmaps | grep -o '"resourceVersion":"[0-9]*"' | head -n 1; }
color() {  # color NAME: data.color of ConfigMap default/NAME, or <absent>
  local body
  body=$(api "/api/v1/namespaces/default/configmaps/$1")
  grep -q '"kind":"Status"' <<<"$body" && { echo "<absent>"; return; }
  grep -o '"color":"[^"]*"' <<<"$body" | cut -d'"' -f4
}
config() {  # config FILE SOURCE-NAME SOURCE-PATH: a source that prunes whatever it drops
  printf 'apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources:\n- name: %s\n  path: %s\n  prune: true\n  pruneFraction: 1\nmetrics: {bindAddress: "0"}\nhealth: {bindAddress: "0"}\n' "$2" "$3" > "$1"
}
run_once() {  # run_once CONFIG LOG: steward run --once; its exit code
  "$steward" run --once --once-timeout 120 --config "$1" --kubeconfig "$dir/kubeconfig" > "$2" 2>&1
}
json_escaped() { sed 's/\\/\\\\/g; s/"/\\"/g' <<<"$1"; }

# First a good run of the source: the good file, and one more object that is then removed.
src=$dir/src
mkdir -p "$src"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\ndata:\n  color: blue\n' > "$src/good.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: removed\ndata:\n  color: red\n' > "$src/removed.yaml"
config "$dir/steward.yaml" s "$src"
run_once "$dir/steward.yaml" "$dir/seed.log" || fail "the good run exited $?: $(tail -n 3 "$dir/seed.log")"
[ "$(color good)" = blue ] && [ "$(color removed)" = red ] || fail "the good run did not apply"

# Then the hostile files, the good file changed (blue -> green), the other object removed.
rm "$src/removed.yaml"
"$corpus" "$src" "$dir/expected.tsv" || { echo "FAIL: hostile_corpus"; exit 1; }
grep -q 'color: green' "$src/good.yaml" || fail "the corpus did not write the good file"
rows=$(wc -l < "$dir/expected.tsv")
[ "$rows" -ge 50 ] || fail "only $rows hostile rows"

# validate: every row's error at its place, one line each, then the summary.
out=$("$steward" validate "$src"); rc=$?
[ $rc -eq 1 ] || fail "validate exited $rc, want 1"
[ "$(tail -n 1 <<<"$out")" = "validated objects=0 sources=1 errors=$rows" ] ||
  fail "validate summary: $(tail -n 1 <<<"$out")"
while IFS=$'\t' read -r file line column message; do
  place=$src/$file
  [ "$line" -eq 0 ] || place=$place:$line:$column
  grep -F -- "$place: " <<<"$out" | grep -qF -- "$message" ||
    fail "validate: no '$place: ...$message': $(grep -F -- "$src/$file" <<<"$out" | cut -c1-300)"
done < "$dir/expected.tsv"

# run --once: the same errors in the log, exit 1, no crash, no write at all.
before=$(revision)
[ -n "$before" ] || fail "no resourceVersion from steward-testapi"
run_once "$dir/steward.yaml" "$dir/hostile.log"; rc=$?
[ $rc -eq 1 ] || fail "run --once on the hostile source exited $rc, want 1: $(tail -n 3 "$dir/hostile.log")"
grep -q '"msg":"stopped","exitCode":"1"' "$dir/hostile.log" || fail "no clean stop logged"
while IFS=$'\t' read -r file line column message; do
  place=$src/$file
  [ "$line" -eq 0 ] || place=$place:$line:$column
  grep -F '"msg":"desired state not loaded' "$dir/hostile.log" |
    grep -F -- "\"error\":\"$place: " | grep -qF -- "$(json_escaped "$message")" ||
    fail "run --once did not log '$place: ...$message'"
done < "$dir/expected.tsv"
[ "$(revision)" = "$before" ] || fail "a write reached the server: $before -> $(revision)"
[ "$(color good)" = blue ] || fail "the good file's change was applied from a broken source"
[ "$(color removed)" = red ] || fail "an object was pruned by a source that did not load"

# A kind nothing serves: valid offline, a permanent error with its place at run time.
unknown=$dir/unknown
mkdir -p "$unknown"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: beside-widget\ndata:\n  color: blue\n' > "$unknown/good.yaml"
printf '# a CRD that is not installed\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n' > "$unknown/widget.yaml"
out=$("$steward" validate "$unknown") || fail "validate refused an unknown kind: $out"
config "$dir/unknown.yaml" u "$unknown"
started=$SECONDS
run_once "$dir/unknown.yaml" "$dir/unknown.log"; rc=$?
[ $rc -eq 1 ] || fail "run --once with an unknown kind exited $rc, want 1"
# It ends because nothing is left to try soon (a fraction of a second), not at --once-timeout.
[ $((SECONDS - started)) -lt 60 ] || fail "run --once waited out its timeout on the unknown kind"
want="\"error\":\"$unknown/widget.yaml:2:1: no matches for kind \\\"Widget\\\" in version \\\"example.com/v1\\\""
grep '"msg":"reconcile failed"' "$dir/unknown.log" | grep -qF -- "$want" ||
  fail "the unknown kind's error does not name its place: $(grep Widget "$dir/unknown.log" | head -n 2)"
grep '"msg":"not in sync"' "$dir/unknown.log" | grep -q 'permanent_error' ||
  fail "run --once did not end on the permanent error: $(tail -n 2 "$dir/unknown.log")"
[ "$(color beside-widget)" = blue ] || fail "the unknown kind's neighbour was not applied"

[ $failures -eq 0 ] && echo "hostile input: all checks passed"
exit $((failures > 0))
