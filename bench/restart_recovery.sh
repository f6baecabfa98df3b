#!/usr/bin/env bash
# Issue #15's scenario (test/cli/restart_recovery_test.sh) against a real kube-apiserver v1.20 of
# its own (scripts/kube-apiserver run), when one can be built on this machine (about 6.5 minutes
# the first time, cached after): a restart, an etcd compaction and watches failing for over 35 s
# under a running steward. Twice: on an otherwise empty cluster, then with 50,000 unrelated
# ConfigMaps of 1 KiB (issue #15's second run; its lines are prefixed `unrelated50k_`). Prints the
# scenario's name=value lines (docs/performance.md), and its failures as comments; exits 1 if
# either run failed. Skipped (exit 0) when no server can be built.
# Usage: bench/restart_recovery.sh STEWARD STEWARD-TESTAPI
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if ! "$root/scripts/kube-apiserver" build; then
  echo "# restart_recovery: skipped: no real kube-apiserver could be built here"
  exit 0
fi
status=0
for unrelated in 0 50000; do
  prefix=""
  [ "$unrelated" -gt 0 ] && prefix=unrelated50k_
  out=$(UNRELATED_CONFIGMAPS=$unrelated \
        "$root/scripts/kube-apiserver" run -- "$root/test/cli/restart_recovery_test.sh" "$1" "$2")
  run_status=$?
  [ $run_status -eq 0 ] || status=1
  grep -E '^[a-z_]+=' <<<"$out" | sed "s/^/$prefix/"
  grep '^FAIL: ' <<<"$out" | sed "s/^/# restart_recovery ${prefix%_}: /"
done
exit $status
