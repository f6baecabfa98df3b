#!/usr/bin/env bash
# The steward command line: what works, what --help lists, and that mistakes exit 2 with one line.
set -u
steward=$1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

out=$("$steward" version); rc=$?
[ $rc -eq 0 ] || fail "version exited $rc"
echo "$out" | grep -Eq '^version=[0-9]+\.[0-9]+\.[0-9]+$' || fail "version line missing: $out"
echo "$out" | grep -Eq '^commit=[0-9a-f]{12}(-dirty)?$|^commit=unknown$' || fail "commit line missing: $out"
echo "$out" | grep -Eq '^build_type=.+$' || fail "build_type line missing: $out"

help=$("$steward" --help); rc=$?
[ $rc -eq 0 ] || fail "--help exited $rc"
echo "$help" | grep -q 'version' || fail "--help does not list version"

for sub in version check validate run diff status; do
  help=$("$steward" $sub --help); rc=$?
  [ $rc -eq 0 ] || fail "'steward $sub --help' exited $rc"
  echo "$help" | grep -q "^Usage: steward $sub " || fail "'steward $sub --help' shows no usage line: $help"
done

# An unknown subcommand followed by --help is a bad command line too, not a call for the main help.
# --metrics-cert-dir must be a directory (without secure metrics it is refused too:
# metrics_auth_test.sh, which has a config to load).
for args in "bogus" "--bogus" "version --bogus" "" "rollout --help" "rollout -h" "bogus --help" \
            "run --config x.yaml --metrics-secure --metrics-cert-dir /no/such/dir"; do
  # shellcheck disable=SC2086
  err=$("$steward" $args 2>&1 >/dev/null); rc=$?
  [ $rc -eq 2 ] || fail "'steward $args' exited $rc, want 2"
  lines=$(printf '%s\n' "$err" | grep -c .)
  [ "$lines" -eq 1 ] || fail "'steward $args' printed $lines lines on stderr, want 1: $err"
done
for args in "rollout" "rollout --help"; do
  # shellcheck disable=SC2086
  err=$("$steward" $args 2>&1 >/dev/null)
  grep -q "unknown subcommand 'rollout'" <<<"$err" || fail "'steward $args' does not name 'rollout': $err"
done

[ $failures -eq 0 ] && echo "cli: all checks passed"
exit $((failures > 0))
