#!/usr/bin/env bash
# deploy/base renders with `kubectl kustomize` (kustomize built into kubectl), object for object
# what its files hold, so `kubectl apply -k deploy/base` and `kubectl apply -f` of the files apply
# the same objects; the example overlay renders too. Fails, never skips, without kubectl.
set -u
failures=0
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_kubectl
tmp=$(mktemp -d "${TMPDIR:-/tmp}/steward-deploy-kustomize-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

kubectl kustomize "$repo/deploy/base" >"$tmp/rendered.yaml" 2>"$tmp/err" ||
  fail "kubectl kustomize deploy/base failed: $(cat "$tmp/err")"

# kind/namespace/name of every object in a file (kubectl applies the template to each object).
ids() { field "$1" '{{.kind}}/{{.metadata.namespace}}/{{.metadata.name}}{{"\n"}}'; }
ids "$tmp/rendered.yaml" | sort | sed 's#/<no value>/#//#' >"$tmp/rendered.ids"
: >"$tmp/files.ids"
while read -r name; do
  ids "$repo/deploy/base/$name" | sed 's#/<no value>/#//#' >>"$tmp/files.ids"
done < <(base_resources)
sort -o "$tmp/files.ids" "$tmp/files.ids"
[ -s "$tmp/rendered.ids" ] || fail "kubectl kustomize rendered no objects"
diff "$tmp/files.ids" "$tmp/rendered.ids" >"$tmp/diff" ||
  fail "kustomize renders other objects than the files hold: $(cat "$tmp/diff")"
for want in Namespace//steward-system ServiceAccount/steward-system/steward ClusterRole//steward \
            ClusterRoleBinding//steward ClusterRole//steward-metrics-reader \
            ClusterRole//steward-status-reader \
            Role/steward-system/steward-leader-election \
            RoleBinding/steward-system/steward-leader-election ConfigMap/steward-system/steward-config \
            ConfigMap/steward-system/steward-manifests Deployment/steward-system/steward \
            Service/steward-system/steward-metrics NetworkPolicy/steward-system/steward \
            PodDisruptionBudget/steward-system/steward; do
  grep -qxF "$want" "$tmp/rendered.ids" || fail "the rendered base lacks $want"
done
# Nothing carries steward's own ownership label: steward must never treat itself as managed.
grep -q 'app.kubernetes.io/managed-by: steward' "$tmp/rendered.yaml" &&
  fail "a deploy object carries app.kubernetes.io/managed-by: steward"

# The example overlay (deploy/README.md's recipe): the image renamed, the ClusterRole widened.
kubectl kustomize "$repo/deploy/overlays/example" >"$tmp/overlay.yaml" 2>"$tmp/err" ||
  fail "kubectl kustomize deploy/overlays/example failed: $(cat "$tmp/err")"
image=$(field "$tmp/overlay.yaml" '{{if eq .kind "Deployment"}}{{(index .spec.template.spec.containers 0).image}}{{end}}')
[ "$image" = registry.example.com/platform/steward:0.1.0 ] || fail "overlay image: $image"
rules=$(field "$tmp/overlay.yaml" '{{if eq .kind "ClusterRole"}}{{range $r := .rules}}{{range $r.apiGroups}}{{.}}{{end}}/{{range $i, $x := $r.resources}}{{if $i}},{{end}}{{$x}}{{end}}:{{range $r.verbs}}{{.}},{{end}} {{end}}{{end}}')
[[ " $rules" == *" apps/deployments:get,list,watch,create,patch,delete, "* ]] ||
  fail "overlay ClusterRole lacks the deployments rule: $rules"
[[ " $rules" == *" /configmaps:get,list,watch,create,patch,delete, "* ]] ||
  fail "overlay ClusterRole lost the base's rules: $rules"

# The component for Kubernetes 1.25 and later (deploy/components/pdb-policy-v1): the base with it
# renders the same objects, the PodDisruptionBudget as policy/v1 and otherwise unchanged. The
# overlay names them by relative paths, as a user's does (kustomize refuses absolute ones).
overlay=$tmp/overlay-pdb-v1
mkdir -p "$overlay"
deploy=$(realpath --relative-to="$overlay" "$repo/deploy")
printf 'resources:\n  - %s/base\ncomponents:\n  - %s/components/pdb-policy-v1\n' "$deploy" "$deploy" \
  >"$overlay/kustomization.yaml"
kubectl kustomize "$overlay" >"$tmp/pdb-v1.yaml" 2>"$tmp/err" ||
  fail "kubectl kustomize of the base with components/pdb-policy-v1 failed: $(cat "$tmp/err")"
field "$tmp/pdb-v1.yaml" '{{.apiVersion}} {{.kind}}{{"\n"}}' | sort >"$tmp/pdb-v1.kinds"
field "$tmp/rendered.yaml" '{{.apiVersion}} {{.kind}}{{"\n"}}' |
  sed 's#^policy/v1beta1 PodDisruptionBudget$#policy/v1 PodDisruptionBudget#' | sort >"$tmp/base.kinds"
diff "$tmp/base.kinds" "$tmp/pdb-v1.kinds" >"$tmp/diff" ||
  fail "components/pdb-policy-v1 changes more than the PodDisruptionBudget's apiVersion: $(cat "$tmp/diff")"
grep -qx 'policy/v1 PodDisruptionBudget' "$tmp/pdb-v1.kinds" ||
  fail "components/pdb-policy-v1 does not render a policy/v1 PodDisruptionBudget"
pdb_spec='{{if eq .kind "PodDisruptionBudget"}}{{.spec}}{{end}}'
[ "$(field "$tmp/pdb-v1.yaml" "$pdb_spec")" = "$(field "$tmp/rendered.yaml" "$pdb_spec")" ] ||
  fail "components/pdb-policy-v1 changes the PodDisruptionBudget's spec"

[ $failures -eq 0 ] && echo "deploy kustomize: all checks passed ($(wc -l <"$tmp/rendered.ids") objects)"
exit $((failures > 0))
