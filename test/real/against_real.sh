#!/usr/bin/env bash
# Usage: against_real.sh HARNESS TEST_BINARY
# Runs a Catch2 integration test binary against a real kube-apiserver (its [testapi] cases, which
# need the test server's fault injection, excluded). Skipped unless STEWARD_REAL_APISERVER=1.
set -euo pipefail
harness=$1
binary=$2
if [ "${STEWARD_REAL_APISERVER:-}" != 1 ]; then
  echo "skipped: set STEWARD_REAL_APISERVER=1 to run against a real kube-apiserver"
  exit 77
fi
exec "$harness" run -- "$binary" '~[testapi]'
