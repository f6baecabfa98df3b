# Helpers the deploy tests share; sourced, not run. Needs kubectl (scripts/setup installs one): a
# missing kubectl is a failure, never a skip.
#   repo            the repository root
#   fail MSG        records a failure and goes on
#   need_kubectl    fails the test at once without kubectl
#   base_resources  the files deploy/base/kustomization.yaml lists, one a line
#   field FILE TEMPLATE         a kubectl go-template applied to one manifest file, offline
#   configmap_files FILE DIR    writes each data key of the ConfigMap in FILE to DIR/KEY
#   local_config FILE MANIFESTS OUT  the StewardConfig of FILE, rewritten to run outside a pod:
#                                    source path MANIFESTS, no in-cluster, leader election off
#   check_managed DIR           every manifest file in DIR exists in the cluster (through the
#                               caller's `k`, its kubectl) with steward's label and source
#                               annotation for the source "manifests"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
failures=${failures:-0}
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

need_kubectl() {
  command -v kubectl >/dev/null 2>&1 && return 0
  echo "FAIL: kubectl not on PATH (scripts/setup installs it: kubernetes-client)"
  exit 1
}

base_resources() {
  sed -n '/^resources:/,/^[^ #-]/s/^  - //p' "$repo/deploy/base/kustomization.yaml"
}

# kubectl parses the file and prints it through the template without asking a server (--local).
field() {
  KUBECONFIG=/dev/null kubectl label --local -f "$1" steward-test=x -o "go-template=$2"
}

configmap_files() {
  local file=$1 dir=$2 key
  mkdir -p "$dir"
  for key in $(field "$file" '{{range $k, $v := .data}}{{$k}}{{"\n"}}{{end}}'); do
    field "$file" "{{index .data \"$key\"}}" >"$dir/$key"
  done
}

# Leader election is switched off unless the caller passes keep_leader_election=1 (a run with it on
# needs a Lease it may write).
local_config() {
  local file=$1 manifests=$2 out=$3
  field "$file" '{{index .data "steward.yaml"}}' |
    sed -e "s#^\(\s*path:\).*#\1 $manifests#" \
        -e 's#^\(\s*inCluster:\).*#\1 false#' \
        -e 's#^\(\s*bindAddress:\).*#\1 "0"#' >"$out"
  if [ "${keep_leader_election:-0}" != 1 ]; then
    sed -i '/^leaderElection:/,/^[^ ]/s#^\(\s*enabled:\).*#\1 false#' "$out"
  fi
}

check_managed() {
  local file kind name ns got
  for file in "$1"/*; do
    kind=$(field "$file" '{{.kind}}')
    name=$(field "$file" '{{.metadata.name}}')
    ns=$(field "$file" '{{with .metadata.namespace}}{{.}}{{end}}')
    got=$(k get "$kind" "$name" ${ns:+-n "$ns"} \
            -o 'go-template={{index .metadata.labels "app.kubernetes.io/managed-by"}}/{{index .metadata.annotations "steward.dev/source"}}' 2>&1)
    [ "$got" = steward/manifests ] || fail "$kind $name after steward run: $got"
  done
}
