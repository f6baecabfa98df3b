#!/usr/bin/env bash
# Usage: smoke_test.sh HARNESS STEWARD_BIN
# steward check and kubectl against a real kube-apiserver: the harness itself works, and steward's
# client speaks to the real thing. Uses the server named by STEWARD_REAL_APISERVER_KUBECONFIG when
# one was started for the whole test run; otherwise starts its own through HARNESS.
set -euo pipefail
harness=$1
steward=$2

if [ "${STEWARD_REAL_APISERVER:-}" != 1 ]; then
  echo "skipped: set STEWARD_REAL_APISERVER=1 to run against a real kube-apiserver"
  exit 77
fi

if [ -z "${STEWARD_REAL_APISERVER_KUBECONFIG:-}" ] || [ ! -f "$STEWARD_REAL_APISERVER_KUBECONFIG" ]; then
  exec "$harness" run -- "$0" "$@"
fi
export KUBECONFIG=$STEWARD_REAL_APISERVER_KUBECONFIG

fail() { echo "FAIL: $*"; exit 1; }

out=$("$steward" check) || fail "steward check exited $?: $out"
echo "$out"
grep -q '^server_version=v1\.20' <<<"$out" || fail "steward check did not report server_version=v1.20"

# A unique name, so a server shared by several runs never sees a conflict.
name=steward-smoke-$$-$RANDOM
kubectl create configmap "$name" --namespace default --from-literal=greeting=hello >/dev/null ||
  fail "kubectl could not create ConfigMap $name"
got=$(kubectl get configmap "$name" --namespace default -o jsonpath='{.data.greeting}') ||
  fail "kubectl could not get ConfigMap $name"
[ "$got" = hello ] || fail "ConfigMap $name has greeting=$got, want hello"
kubectl delete configmap "$name" --namespace default >/dev/null
echo "ok: steward check and a kubectl ConfigMap round trip against the real server"
