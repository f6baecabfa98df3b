#!/usr/bin/env bash
# Usage: kubectl_openapi_test.sh TESTAPI_BIN [KUBECTL...]
# kubectl against steward-testapi's /openapi/v2, with validation on (kubectl's default): apply and
# create validate against the document and reject an unknown field, of a built-in kind and of a
# custom resource (its CRD's schema); a server-side dry run finds dryRun among the kind's PATCH
# parameters; `kubectl explain` reads it; `kubectl scale` writes through
# deployments/scale; `kubectl edit` (an editor script) patches a ConfigMap and a Deployment.
# Each KUBECTL in turn (default: the kubectl on PATH). kubectl 1.20 (Debian's) and 1.32 both ask
# for the protobuf document only; 1.32 asks for /openapi/v3 first and falls back to v2 on its 404.
set -u
bin=$1
shift
kubectls=("$@")
[ ${#kubectls[@]} -gt 0 ] || kubectls=(kubectl)
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/steward-kubectl-openapi-XXXXXX") || exit 1
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

"$bin" --listen 127.0.0.1:0 --kubeconfig-out "$tmp/kubeconfig" >"$tmp/testapi.out" 2>&1 &
pid=$!
for _ in $(seq 1 200); do grep -q '^listening ' "$tmp/testapi.out" && break; sleep 0.1; done
grep -q '^listening ' "$tmp/testapi.out" || { echo "FAIL: steward-testapi did not start: $(cat "$tmp/testapi.out")"; exit 1; }

cat >"$tmp/crd.yaml" <<'YAML'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: What the widget should be.
            required: [size]
            properties:
              size: {type: integer, description: How big the widget is.}
              color: {type: string, nullable: true}
YAML

# check KUBECTL N: one round of every check, in namespace tN (no state shared between kubectls but
# the CRD, which the first round creates).
check() {
  local kubectl=$1 n=$2 ns=t$2 out
  # No kubeconfig cache between rounds or runs: ~/.kube/cache would answer discovery and OpenAPI.
  k() { timeout 60 env HOME="$tmp/home$n" KUBE_EDITOR="$tmp/editor.sh" "$kubectl" --kubeconfig "$tmp/kubeconfig" "$@"; }
  local v
  v=$("$kubectl" version --client 2>/dev/null | head -n 1)
  echo "kubectl $n: $v"

  printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n' "$ns" >"$tmp/ns$n.yaml"
  out=$(k apply --server-side -f "$tmp/ns$n.yaml" 2>&1) || fail "[$n] apply --server-side namespace: $out"
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: %s}\ndata: {a: b}\n' "$ns" >"$tmp/cm$n.yaml"
  out=$(k apply --server-side -f "$tmp/cm$n.yaml" 2>&1) || fail "[$n] apply --server-side configmap: $out"
  [[ $out == *serverside-applied* ]] || fail "[$n] apply output: $out"

  # Validation against the document: a field ConfigMap does not have.
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad, namespace: %s}\ndata: {a: b}\nbogus: 1\n' "$ns" >"$tmp/bad$n.yaml"
  out=$(k apply --server-side -f "$tmp/bad$n.yaml" 2>&1) && fail "[$n] an unknown field was accepted: $out"
  [[ $out == *'unknown field "bogus"'* ]] || fail "[$n] unknown field: want kubectl's validation error, got: $out"
  out=$(k create -f "$tmp/bad$n.yaml" 2>&1) && fail "[$n] create accepted an unknown field: $out"

  out=$(k explain configmap 2>&1) || fail "[$n] explain configmap: $out"
  [[ $out == *KIND:*ConfigMap* && $out == *binaryData* ]] || fail "[$n] explain configmap printed: $out"
  out=$(k explain deployment.spec.replicas 2>&1) || fail "[$n] explain deployment.spec.replicas: $out"
  [[ $out == *integer* ]] || fail "[$n] explain deployment.spec.replicas printed: $out"

  # A custom resource validates against its CRD's schema, and explain reads it.
  if [ "$n" = 1 ]; then
    out=$(k apply --server-side -f "$tmp/crd.yaml" 2>&1) || fail "[$n] apply CRD: $out"
    k wait --for condition=established --timeout=30s crd/widgets.example.com >/dev/null 2>&1 ||
      fail "[$n] CRD not established"
  fi
  printf 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: %s}\nspec: {size: 2, color: red}\n' "$ns" >"$tmp/w$n.yaml"
  out=$(k apply --server-side -f "$tmp/w$n.yaml" 2>&1) || fail "[$n] apply Widget: $out"
  printf 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w2, namespace: %s}\nspec: {size: 2, shape: round}\n' "$ns" >"$tmp/w2$n.yaml"
  out=$(k apply --server-side -f "$tmp/w2$n.yaml" 2>&1) && fail "[$n] Widget with an unknown field accepted: $out"
  [[ $out == *'unknown field "shape"'* ]] || fail "[$n] Widget unknown field: got: $out"
  # A server-side dry run: kubectl 1.20 first looks for the kind's PATCH operation with dryRun.
  out=$(k apply --server-side --dry-run=server -f "$tmp/cm$n.yaml" -f "$tmp/w$n.yaml" 2>&1) ||
    fail "[$n] apply --server-side --dry-run=server: $out"
  [ "$(grep -c 'serverside-applied (server dry run)' <<<"$out")" = 2 ] || fail "[$n] dry run printed: $out"
  out=$(k explain widgets.spec 2>&1) || fail "[$n] explain widgets.spec: $out"
  [[ $out == *'How big the widget is'* ]] || fail "[$n] explain widgets.spec printed: $out"

  # kubectl scale: through deployments/scale.
  cat >"$tmp/deploy$n.yaml" <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: $ns}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: "nginx:1.25"}]}
YAML
  out=$(k apply --server-side -f "$tmp/deploy$n.yaml" 2>&1) || fail "[$n] apply Deployment: $out"
  out=$(k scale -n "$ns" deployment web --replicas=5 2>&1) || fail "[$n] scale: $out"
  [ "$(k get -n "$ns" deployment web -o jsonpath='{.spec.replicas}')" = 5 ] || fail "[$n] spec.replicas after scale"
  [ "$(k get -n "$ns" deployment web -o jsonpath='{.metadata.generation}')" = 2 ] || fail "[$n] generation after scale"

  # kubectl edit: the editor script rewrites the file kubectl hands it.
  cat >"$tmp/editor.sh" <<'SH'
#!/bin/sh
sed -i -e 's/^  a: b$/  a: edited/' -e 's/^  replicas: 5$/  replicas: 3/' "$1"
SH
  chmod +x "$tmp/editor.sh"
  out=$(k edit -n "$ns" configmap cfg 2>&1) || fail "[$n] edit configmap: $out"
  [ "$(k get -n "$ns" configmap cfg -o jsonpath='{.data.a}')" = edited ] || fail "[$n] edit did not change data.a: $out"
  out=$(k edit -n "$ns" deployment web 2>&1) || fail "[$n] edit deployment: $out"
  [ "$(k get -n "$ns" deployment web -o jsonpath='{.spec.replicas}')" = 3 ] || fail "[$n] edit did not change replicas: $out"
}

i=0
for kubectl in "${kubectls[@]}"; do
  i=$((i + 1))
  if ! command -v "$kubectl" >/dev/null 2>&1; then
    fail "no kubectl $kubectl (scripts/setup installs kubernetes-client)"
    continue
  fi
  check "$kubectl" "$i"
done

[ $failures -eq 0 ] && echo "kubectl openapi: all checks passed"
exit $((failures > 0))
