#!/usr/bin/env bash
# Usage: against_real.sh HARNESS applyset_test.sh STEWARD_BIN
# steward's inventory read by kubectl on a real kube-apiserver (issue 17): after `steward run
# --once`, `kubectl get secret -l applyset.kubernetes.io/id=<id>` finds exactly the source's parent
# and `kubectl get configmaps -l applyset.kubernetes.io/part-of=<id>` exactly its members (not a
# ConfigMap kubectl made beside them), where <id> is computed here with kubectl's formula; and
# `kubectl apply --prune --applyset=secret/<parent>` refuses the set, whose tooling is steward's.
# kubectl older than v1.27 has no ApplySets: that last check is skipped there, with a line that
# says so. against_real.sh starts the server (and skips unless STEWARD_REAL_APISERVER=1).
set -u
steward=$1
export KUBECONFIG=${STEWARD_REAL_APISERVER_KUBECONFIG:?run through test/real/against_real.sh}

failures=0
# shellcheck source=../deploy/lib.sh
. "$(dirname "$0")/../deploy/lib.sh"
need_kubectl
tmp=$(mktemp -d "${TMPDIR:-/tmp}/steward-applyset-real-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
k() { timeout 120 kubectl "$@"; }

# A namespace of its own: steward's (the parent's, through leaderElection.namespace) and the
# members'. Left behind: without a namespace controller it would stay Terminating.
ns=applyset-$$-$RANDOM
k create namespace "$ns" >/dev/null || { echo "FAIL: cannot create namespace $ns"; exit 1; }
mkdir -p "$tmp/m"
for name in one two; do
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: %s}\ndata: {a: "1"}\n' \
    "$name" "$ns" >"$tmp/m/$name.yaml"
done
printf 'apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\ninstance: interop\nsources:\n- {name: apps, path: %s, prune: true}\nleaderElection: {namespace: %s}\nmetrics: {bindAddress: "0"}\nhealth: {bindAddress: "0"}\n' \
  "$tmp/m" "$ns" >"$tmp/steward.yaml"
k create configmap foreign -n "$ns" --from-literal=a=1 >/dev/null || fail "kubectl create configmap"
"$steward" run --once --config "$tmp/steward.yaml" >"$tmp/run.log" 2>&1 ||
  fail "steward run --once exited $?: $(tail -n 5 "$tmp/run.log")"

parent=steward-interop-apps
# kubectl's applySet.ID(): base64url (unpadded) of SHA-256 of name.namespace.kind.group.
id=applyset-$(python3 -c 'import base64, hashlib, sys
print(base64.urlsafe_b64encode(hashlib.sha256(sys.argv[1].encode()).digest()).decode().rstrip("="))' \
  "$parent.$ns.Secret.")-v1
got=$(k get secret -A -l "applyset.kubernetes.io/id=$id" -o name)
[ "$got" = "secret/$parent" ] || fail "kubectl get secret -l applyset.kubernetes.io/id=$id: '$got'"
got=$(k get configmaps -A -l "applyset.kubernetes.io/part-of=$id" -o name | sort | tr '\n' ' ')
[ "$got" = "configmap/one configmap/two " ] ||
  fail "kubectl get configmaps -l applyset.kubernetes.io/part-of=$id: '$got'"
kinds=$(k get secret "$parent" -n "$ns" -o jsonpath='{.metadata.annotations.applyset\.kubernetes\.io/contains-group-kinds}')
[ "$kinds" = ConfigMap ] || fail "the parent's contains-group-kinds: '$kinds'"
tooling=$(k get secret "$parent" -n "$ns" -o jsonpath='{.metadata.annotations.applyset\.kubernetes\.io/tooling}')
[[ "$tooling" == steward/v* ]] || fail "the parent's tooling: '$tooling'"

minor=$(kubectl version --client -o json 2>/dev/null | python3 -c 'import json, sys, re
print(re.sub(r"\D", "", json.load(sys.stdin)["clientVersion"]["minor"]) or 0)')
if [ "${minor:-0}" -ge 27 ]; then
  out=$(KUBECTL_APPLYSET=true k apply -n "$ns" --server-side --prune \
          --applyset="secret/$parent" -f "$tmp/m/one.yaml" 2>&1)
  rc=$?
  echo "kubectl v1.$minor apply --prune --applyset=secret/$parent: exit $rc: $out"
  [ $rc -ne 0 ] || fail "kubectl apply --prune --applyset took over steward's set: $out"
  grep -qi "steward" <<<"$out" || fail "kubectl's refusal does not name steward's tooling: $out"
else
  echo "skipped the kubectl apply --applyset check: kubectl v1.$minor has no ApplySet support (v1.27 and later)"
fi

[ $failures -eq 0 ] && echo "applyset: kubectl finds steward's parent and exactly its members"
exit $((failures > 0))
