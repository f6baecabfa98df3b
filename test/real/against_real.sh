#!/usr/bin/env bash
# Usage: against_real.sh HARNESS COMMAND [ARGS...]
# Runs COMMAND against a real kube-apiserver of its own, started for it by HARNESS
# (scripts/kube-apiserver run, which sets STEWARD_REAL_APISERVER_KUBECONFIG): a Catch2 integration
# binary with '~[testapi]' (its cases needing the test server's fault injection excluded), or a
# test/cli scenario (plain_testapi.sh then uses that server). A fresh server for each, since the
# scenarios expect an empty cluster. Skipped unless STEWARD_REAL_APISERVER=1.
set -euo pipefail
harness=$1
shift
if [ "${STEWARD_REAL_APISERVER:-}" != 1 ]; then
  echo "skipped: set STEWARD_REAL_APISERVER=1 to run against a real kube-apiserver"
  exit 77
fi
exec "$harness" run -- "$@"
