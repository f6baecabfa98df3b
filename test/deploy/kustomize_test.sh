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
            Role/steward-system/steward-leader-election \
            RoleBinding/steward-system/steward-leader-election ConfigMap/steward-system/steward-config \
            ConfigMap/steward-system/steward-manifests Deployment/steward-system/steward \
            Service/steward-system/steward-metrics; do
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

[ $failures -eq 0 ] && echo "deploy kustomize: all checks passed ($(wc -l <"$tmp/rendered.ids") objects)"
exit $((failures > 0))
