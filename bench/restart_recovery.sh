#!/usr/bin/env bash
# Issue #15's scenario (test/cli/restart_recovery_test.sh) against a real kube-apiserver v1.20 of
# its own (scripts/kube-apiserver run), when one can be built on this machine (about 6.5 minutes
# the first time, cached after): a restart, an etcd compaction and watches failing for over 35 s
# under a running steward. Prints the scenario's name=value lines (docs/performance.md), and its
# failures as comments; exits with its status. Skipped (exit 0) when no server can be built.
# Usage: bench/restart_recovery.sh STEWARD STEWARD-TESTAPI
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if ! "$root/scripts/kube-apiserver" build; then
  echo "# restart_recovery: skipped: no real kube-apiserver could be built here"
  exit 0
fi
out=$("$root/scripts/kube-apiserver" run -- "$root/test/cli/restart_recovery_test.sh" "$1" "$2")
status=$?
grep -E '^[a-z_]+=' <<<"$out"
grep '^FAIL: ' <<<"$out" | sed 's/^/# restart_recovery: /'
exit $status
