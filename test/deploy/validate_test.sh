#!/usr/bin/env bash
# Usage: validate_test.sh STEWARD_BIN
# deploy/ offline: every resource file of the base (and the optional ServiceMonitor) passes
# `steward validate`; the example desired manifests in the steward-manifests ConfigMap pass it too;
# the StewardConfig in the steward-config ConfigMap passes `steward validate --config`; and the
# pieces agree with each other (mount paths, ports, Lease name, labels, RBAC for every managed
# kind, the Dockerfile's user).
#
# kustomization.yaml is not a Kubernetes object (no metadata.name) and `steward validate` has no
# skip list, so the test validates the files kustomization.yaml lists, and checks that it lists
# every other YAML file in deploy/base.
set -u
steward=$1
failures=0
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
need_kubectl
base=$repo/deploy/base
tmp=$(mktemp -d "${TMPDIR:-/tmp}/steward-deploy-validate-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# kustomization.yaml lists exactly the other files.
mapfile -t resources < <(base_resources)
[ ${#resources[@]} -gt 0 ] || fail "kustomization.yaml lists no resources"
for file in "$base"/*.yaml "$base"/*.yml; do
  [ -e "$file" ] || continue
  name=$(basename "$file")
  [ "$name" = kustomization.yaml ] && continue
  printf '%s\n' "${resources[@]}" | grep -qxF "$name" || fail "kustomization.yaml does not list $name"
done
for name in "${resources[@]}"; do
  [ -f "$base/$name" ] || fail "kustomization.yaml lists $name, which does not exist"
done

# (a) The resource files, each a source, as `steward validate` loads them: one object each.
paths=()
for name in "${resources[@]}"; do paths+=("$base/$name"); done
out=$("$steward" validate "${paths[@]}" "$repo/deploy/optional/servicemonitor.yaml"); rc=$?
[ $rc -eq 0 ] || fail "steward validate of the base's files exited $rc: $out"
want="validated objects=$((${#resources[@]} + 1)) sources=$((${#resources[@]} + 1)) errors=0"
[ "$out" = "$want" ] || fail "steward validate of the base's files printed: $out (want: $want)"

# The example desired manifests, as the pod sees them: one file per data key.
configmap_files "$base/manifests.yaml" "$tmp/manifests"
count=$(find "$tmp/manifests" -type f | wc -l)
[ "$count" -ge 1 ] || fail "steward-manifests has no data keys"
out=$("$steward" validate "$tmp/manifests"); rc=$?
[ $rc -eq 0 ] || fail "steward validate of the example manifests exited $rc: $out"
[ "$out" = "validated objects=$count sources=1 errors=0" ] ||
  fail "steward validate of the example manifests printed: $out"

# (d) The StewardConfig, with its source pointed at the extracted manifests (validate loads the
# sources a config lists, so /etc/steward/manifests must be replaced by a folder that exists).
field "$base/config.yaml" '{{index .data "steward.yaml"}}' >"$tmp/steward.yaml" ||
  fail "steward-config has no key steward.yaml"
config_path=$(field "$tmp/steward.yaml" '{{(index .sources 0).path}}')
sed "s#^\(\s*path:\) $config_path\$#\1 $tmp/manifests#" "$tmp/steward.yaml" >"$tmp/local.yaml"
grep -q "path: $tmp/manifests" "$tmp/local.yaml" || fail "could not rewrite the source path"
out=$("$steward" validate --config "$tmp/local.yaml"); rc=$?
[ $rc -eq 0 ] || fail "steward validate --config of steward-config exited $rc: $out"
[ "$out" = "validated objects=$count sources=1 errors=0" ] ||
  fail "steward validate --config of steward-config printed: $out"
# The config as shipped (its path absent here) fails only on that path, not on a field.
out=$("$steward" validate --config "$tmp/steward.yaml")
errors=$(grep -v '^validated ' <<<"$out")
[ "$(grep -c . <<<"$errors")" -eq 1 ] && grep -qF "$config_path" <<<"$errors" ||
  fail "steward-config as shipped: want one error, about $config_path: $out"

[ "$(field "$tmp/steward.yaml" '{{.cluster.inCluster}}')" = true ] || fail "config: cluster.inCluster is not true"
[ "$(field "$tmp/steward.yaml" '{{.leaderElection.enabled}}')" = true ] ||
  fail "config: leaderElection.enabled is not true"

# The Deployment runs that config, mounts both ConfigMaps where the config says.
dep=$base/deployment.yaml
c0='(index .spec.template.spec.containers 0)'
args=$(field "$dep" "{{range $c0.args}}{{.}} {{end}}")
[ "$args" = "run --config /etc/steward/config/steward.yaml --metrics-secure=true " ] ||
  fail "deployment args: $args"
mounts=$(field "$dep" "{{range $c0.volumeMounts}}{{.name}}={{.mountPath}}:{{.readOnly}} {{end}}")
volumes=$(field "$dep" '{{range .spec.template.spec.volumes}}{{.name}}={{.configMap.name}} {{end}}')
[[ " $mounts" == *" config=/etc/steward/config:true "* ]] || fail "deployment mounts: $mounts"
[[ " $mounts" == *" manifests=$config_path:true "* ]] ||
  fail "the config's source path $config_path is not the manifests mount: $mounts"
[[ " $volumes" == *" config=steward-config "* && " $volumes" == *" manifests=steward-manifests "* ]] ||
  fail "deployment volumes: $volumes"

# Two replicas, probes on the config's health port, metrics on its metrics port.
[ "$(field "$dep" '{{.spec.replicas}}')" = 2 ] || fail "deployment replicas is not 2"
health=$(field "$tmp/steward.yaml" '{{.health.bindAddress}}')
metrics=$(field "$tmp/steward.yaml" '{{.metrics.bindAddress}}')
ports=$(field "$dep" "{{range $c0.ports}}{{.name}}={{.containerPort}} {{end}}")
[[ " $ports" == *" health=${health#:} "* && " $ports" == *" metrics=${metrics#:} "* ]] ||
  fail "container ports ($ports) do not match health $health and metrics $metrics"
[ "$(field "$dep" "{{$c0.livenessProbe.httpGet.path}} {{$c0.livenessProbe.httpGet.port}}")" = "/healthz health" ] ||
  fail "liveness probe is not /healthz on port health"
[ "$(field "$dep" "{{$c0.readinessProbe.httpGet.path}} {{$c0.readinessProbe.httpGet.port}}")" = "/readyz health" ] ||
  fail "readiness probe is not /readyz on port health"
[ "$(field "$dep" "{{range $c0.env}}{{.name}}={{.valueFrom.fieldRef.fieldPath}}{{end}}")" = POD_NAMESPACE=metadata.namespace ] ||
  fail "POD_NAMESPACE is not set from metadata.namespace"
for r in requests.cpu requests.memory limits.cpu limits.memory; do
  [ -n "$(field "$dep" "{{$c0.resources.${r}}}" | grep -v '<no value>')" ] || fail "resources.$r missing"
done

# Longer grace than steward's 30 s shutdown deadline.
grace=$(field "$dep" '{{.spec.template.spec.terminationGracePeriodSeconds}}')
[ "$grace" -gt 30 ] 2>/dev/null || fail "terminationGracePeriodSeconds $grace is not above 30"

# Hardening, and the user of the image.
sc=$(field "$dep" "{{with $c0.securityContext}}{{.runAsNonRoot}} {{.readOnlyRootFilesystem}} {{.allowPrivilegeEscalation}} {{range .capabilities.drop}}{{.}}{{end}} {{.seccompProfile.type}}{{end}}")
[ "$sc" = "true true false ALL RuntimeDefault" ] || fail "container securityContext: $sc"
[ "$(field "$dep" '{{.spec.template.spec.securityContext.seccompProfile.type}}')" = RuntimeDefault ] ||
  fail "pod seccompProfile is not RuntimeDefault"
uid=$(field "$dep" "{{$c0.securityContext.runAsUser}}")
docker_user=$(sed -n 's/^USER[[:space:]]\+\([0-9]\+\).*/\1/p' "$repo/Dockerfile" | tail -n 1)
[ -n "$docker_user" ] && [ "$uid" = "$docker_user" ] ||
  fail "runAsUser $uid is not the Dockerfile's numeric USER ${docker_user:-<none>}"

# The Lease the config names is the one the Role grants, in the Deployment's namespace.
lease=$(field "$tmp/steward.yaml" '{{.leaderElection.leaseName}}')
role=$base/role-leader-election.yaml
[ "$(field "$role" '{{range .rules}}{{if eq (index .resources 0) "leases"}}{{range .resourceNames}}{{.}} {{end}}{{end}}{{end}}')" = "$lease " ] ||
  fail "role-leader-election does not name Lease $lease"
[ "$(field "$role" '{{.metadata.namespace}}')" = "$(field "$dep" '{{.metadata.namespace}}')" ] ||
  fail "the leader-election Role is not in the Deployment's namespace"

# Bindings name the Deployment's service account; the Service selects the pods; the ServiceMonitor
# selects the Service.
sa="$(field "$dep" '{{.spec.template.spec.serviceAccountName}}')/$(field "$dep" '{{.metadata.namespace}}')"
for binding in clusterrolebinding.yaml rolebinding-leader-election.yaml; do
  [ "$(field "$base/$binding" '{{range .subjects}}{{.name}}/{{.namespace}}{{end}}')" = "$sa" ] ||
    fail "$binding does not bind service account $sa"
done
pod_labels=$(field "$dep" '{{range $k, $v := .spec.template.metadata.labels}}{{$k}}={{$v}} {{end}}')
for l in $(field "$base/service.yaml" '{{range $k, $v := .spec.selector}}{{$k}}={{$v}} {{end}}'); do
  [[ " $pod_labels" == *" $l "* ]] || fail "the Service selects $l, which the pods lack"
done
svc_labels=$(field "$base/service.yaml" '{{range $k, $v := .metadata.labels}}{{$k}}={{$v}} {{end}}')
for l in $(field "$repo/deploy/optional/servicemonitor.yaml" '{{range $k, $v := .spec.selector.matchLabels}}{{$k}}={{$v}} {{end}}'); do
  [[ " $svc_labels" == *" $l "* ]] || fail "the ServiceMonitor selects $l, which the Service lacks"
done
[ "$(field "$repo/deploy/optional/servicemonitor.yaml" '{{range .spec.endpoints}}{{.port}}{{end}}')" = metrics ] ||
  fail "the ServiceMonitor does not scrape port metrics"

# The NetworkPolicy selects the pods, isolates them both ways, and opens exactly: the metrics port
# to the monitoring Namespace, the health port to anyone (the kubelet), and egress to DNS and the
# API server. Every rule names its ports (a rule without ports opens all of them).
np=$base/networkpolicy.yaml
for l in $(field "$np" '{{range $k, $v := .spec.podSelector.matchLabels}}{{$k}}={{$v}} {{end}}'); do
  [[ " $pod_labels" == *" $l "* ]] || fail "the NetworkPolicy selects $l, which the pods lack"
done
[ -n "$(field "$np" '{{range $k, $v := .spec.podSelector.matchLabels}}{{$k}}{{end}}')" ] ||
  fail "the NetworkPolicy selects every pod in the namespace"
[ "$(field "$np" '{{range .spec.policyTypes}}{{.}} {{end}}')" = "Ingress Egress " ] ||
  fail "the NetworkPolicy does not isolate both ingress and egress"
rule_ports='{{range $i, $p := .ports}}{{if $i}},{{end}}{{$p.port}}/{{$p.protocol}}{{end}}'
ingress=$(field "$np" "{{range .spec.ingress}}from=[{{range .from}}{{with .namespaceSelector}}ns:{{range \$k, \$v := .matchLabels}}{{\$k}}={{\$v}}{{end}}{{end}}{{with .podSelector}}pods{{end}}{{with .ipBlock}}ip:{{.cidr}}{{end}}{{end}}] ports=[$rule_ports]{{\"\\n\"}}{{end}}")
want_ingress="from=[ns:kubernetes.io/metadata.name=monitoring] ports=[${metrics#:}/TCP]
from=[] ports=[${health#:}/TCP]"
[ "$ingress" = "$want_ingress" ] || fail "NetworkPolicy ingress: $ingress (want: $want_ingress)"
egress=$(field "$np" "{{range .spec.egress}}{{if .to}}to:some {{end}}$rule_ports{{\"\\n\"}}{{end}}")
[ "$egress" = $'53/UDP,53/TCP\n443/TCP,6443/TCP' ] || fail "NetworkPolicy egress: $egress"

# The PodDisruptionBudget covers the Deployment's pods and lets exactly one be evicted at a time.
pdb=$base/poddisruptionbudget.yaml
[ "$(field "$pdb" '{{.metadata.namespace}}')" = "$(field "$dep" '{{.metadata.namespace}}')" ] ||
  fail "the PodDisruptionBudget is not in the Deployment's namespace"
dep_selector=$(field "$dep" '{{range $k, $v := .spec.selector.matchLabels}}{{$k}}={{$v}} {{end}}')
[ "$(field "$pdb" '{{range $k, $v := .spec.selector.matchLabels}}{{$k}}={{$v}} {{end}}')" = "$dep_selector" ] ||
  fail "the PodDisruptionBudget's selector is not the Deployment's ($dep_selector)"
replicas=$(field "$dep" '{{.spec.replicas}}')
max_unavailable=$(field "$pdb" '{{with .spec.maxUnavailable}}{{.}}{{end}}')
min_available=$(field "$pdb" '{{with .spec.minAvailable}}{{.}}{{end}}')
if [ -n "$max_unavailable" ]; then disruptions=$max_unavailable; else disruptions=$((replicas - ${min_available:-0})); fi
[ "$disruptions" = 1 ] ||
  fail "the PodDisruptionBudget allows $disruptions evictions at a time of $replicas replicas, want 1"

# /metrics: HTTPS behind the API server's reviews (the Deployment's --metrics-secure=true above),
# which steward may create; the reader ClusterRole grants get on /metrics and nothing else, and is bound by no file here
# (the operator binds their Prometheus); the ServiceMonitor scrapes https with a token.
# url_reader FILE ROLE URL: FILE is ClusterRole ROLE granting get on the non-resource URL URL and
# nothing else, bound by no file of the base.
url_reader() {
  local file=$base/$1 role=$2 url=$3
  [ "$(field "$file" '{{.kind}}/{{.metadata.name}}')" = "ClusterRole/$role" ] ||
    fail "$1 is not ClusterRole $role"
  [ "$(field "$file" '{{range .rules}}{{range .nonResourceURLs}}{{.}}{{end}}:{{range .verbs}}{{.}},{{end}}{{.apiGroups}}{{.resources}} {{end}}')" = "$url:get,<no value><no value> " ] ||
    fail "$role grants more or less than get on $url: $(cat "$file")"
  grep -l "name: $role" "$base"/*binding*.yaml >/dev/null 2>&1 &&
    fail "a binding in the base binds $role"
}
url_reader clusterrole-metrics-reader.yaml steward-metrics-reader /metrics
# /status the same way, in a role of its own (steward status; not for Prometheus).
url_reader clusterrole-status-reader.yaml steward-status-reader /status
sm=$repo/deploy/optional/servicemonitor.yaml
[ "$(field "$sm" '{{range .spec.endpoints}}{{.scheme}} {{.bearerTokenFile}} {{.tlsConfig.insecureSkipVerify}}{{end}}')" = \
  "https /var/run/secrets/kubernetes.io/serviceaccount/token true" ] ||
  fail "the ServiceMonitor does not scrape https with the ServiceAccount token"

# Every kind of the example desired state has the verbs steward needs in the ClusterRole
# (resource = lower-case kind + "s", right for the example's kinds).
rules=$(field "$base/clusterrole.yaml" '{{range $rule := .rules}}{{range $g := $rule.apiGroups}}{{range $r := $rule.resources}}{{$g}}/{{$r}} {{range $rule.verbs}}{{.}},{{end}}{{"\n"}}{{end}}{{end}}{{end}}')
for file in "$tmp"/manifests/*; do
  api=$(field "$file" '{{.apiVersion}}')
  kind=$(field "$file" '{{.kind}}')
  group=${api%/*}
  [ "$group" = "$api" ] && group=""
  resource=$(tr '[:upper:]' '[:lower:]' <<<"$kind")s
  # Across rules: a Namespace's delete is a rule of its own, limited by name.
  verbs=$(awk -v r="$group/$resource" '$1 == r {printf "%s", $2}' <<<"$rules")
  for verb in get list watch create patch delete; do
    [[ ",$verbs" == *",$verb,"* ]] || fail "ClusterRole lacks $verb on $group/$resource ($kind in $(basename "$file"))"
  done
done
for group in "" events.k8s.io; do
  verbs=$(awk -v r="$group/events" '$1 == r {print $2}' <<<"$rules")
  for verb in create patch update; do
    [[ ",$verbs" == *",$verb,"* ]] || fail "ClusterRole lacks $verb on $group/events"
  done
done
for review in authentication.k8s.io/tokenreviews authorization.k8s.io/subjectaccessreviews; do
  verbs=$(awk -v r="$review" '$1 == r {print $2}' <<<"$rules")
  [ "$verbs" = "create," ] || fail "ClusterRole grants ${verbs:-nothing} on $review, want create only"
done
# Deleting a Namespace deletes whatever is in it: never granted for every Namespace.
unnamed=$(field "$base/clusterrole.yaml" '{{range $rule := .rules}}{{if not $rule.resourceNames}}{{range $r := $rule.resources}}{{$r}} {{range $rule.verbs}}{{.}},{{end}}{{"\n"}}{{end}}{{end}}{{end}}')
awk '$1 == "namespaces" && $2 ~ /(^|,)delete,/ {found=1} END {exit !found}' <<<"$unnamed" &&
  fail "clusterrole.yaml grants delete on every Namespace"
# Each source's inventory Secret (steward-<instance>-<source>) may be read and applied in
# steward's namespace, by name.
instance=$(field "$tmp/steward.yaml" '{{or .instance "steward"}}')
secrets=$(field "$role" '{{range .rules}}{{range .resources}}{{if eq . "secrets"}}x{{end}}{{end}}{{end}}')
[ -n "$secrets" ] || fail "role-leader-election grants nothing on the inventory Secrets"
for source in $(field "$tmp/steward.yaml" '{{range .sources}}{{.name}} {{end}}'); do
  name="steward-$instance-$source"
  named=$(field "$role" '{{range .rules}}{{range .resourceNames}}{{.}} {{end}}{{end}}')
  [[ " $named" == *" $name "* ]] || fail "role-leader-election does not name inventory Secret $name"
done
# Nothing cluster-wide beyond that: no wildcards, no secrets.
grep -v '^\s*#' "$base/clusterrole.yaml" | grep -Eq '\*|secrets' &&
  fail "clusterrole.yaml grants a wildcard or secrets"

[ $failures -eq 0 ] && echo "deploy validate: all checks passed"
exit $((failures > 0))
