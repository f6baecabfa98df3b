#!/usr/bin/env bash
# Captures the health fixtures (test/health/fixtures/*.json) from a real kube-apiserver v1.20 with
# kube-controller-manager, so the per-kind health rules are tested on what a server really returns
# (issue #19). The tests only read the checked-in files; re-run this only to refresh them:
#
#   scripts/kube-apiserver run --with-controller-manager -- bash test/health/capture_fixtures.sh
#
# (from the clone's root; it writes into test/health/fixtures/ and needs kubectl and jq).
# There is no scheduler and no kubelet: Pods stay Pending. States that need a kubelet (a Pod
# Running, a Job Complete) and a custom resource's status, which only its controller would write,
# are written here through the /status subresource of the real server, and the fixture is what the
# server returned afterwards. managedFields are stripped to keep the files small; everything else
# is as the server sent it.
set -euo pipefail
: "${KUBECONFIG:?run under scripts/kube-apiserver run --with-controller-manager}"
here=$(cd "$(dirname "$0")" && pwd)
out=$here/fixtures
mkdir -p "$out"
ns=health

say() { echo "capture: $*" >&2; }

# save NAME API-PATH: the object at API-PATH, without managedFields, to fixtures/NAME.json.
save() {
  kubectl get --raw "$2" | jq 'del(.metadata.managedFields)' >"$out/$1.json"
  say "saved $1"
}

# wait_for SECONDS API-PATH JQ-FILTER: polls until the filter is true on the object.
wait_for() {
  local deadline=$((SECONDS + $1))
  until kubectl get --raw "$2" | jq -e "$3" >/dev/null; do
    [ $SECONDS -lt $deadline ] || { say "timed out waiting for $3 on $2"; return 1; }
    sleep 1
  done
}

apps=/apis/apps/v1/namespaces/$ns
core=/api/v1/namespaces/$ns
batch=/apis/batch/v1/namespaces/$ns

kubectl create namespace $ns
# The namespace's default ServiceAccount is needed before Pods are accepted.
wait_for 60 $core/serviceaccounts/default 'true'

pod_template='{"metadata":{"labels":{"app":"APP"}},"spec":{"containers":[{"name":"c","image":"registry.k8s.io/pause:3.9"}]}}'
template() { echo "${pod_template//APP/$1}"; }

kubectl apply -f - <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: progressing, namespace: $ns}
spec:
  replicas: 2
  selector: {matchLabels: {app: progressing}}
  template: $(template progressing)
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: deadline, namespace: $ns}
spec:
  replicas: 1
  progressDeadlineSeconds: 10
  selector: {matchLabels: {app: deadline}}
  template: $(template deadline)
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: scaled-to-zero, namespace: $ns}
spec:
  replicas: 0
  selector: {matchLabels: {app: zero}}
  template: $(template zero)
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: progressing, namespace: $ns}
spec:
  replicas: 1
  serviceName: progressing
  selector: {matchLabels: {app: sts}}
  template: $(template sts)
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: progressing, namespace: $ns}
spec:
  replicas: 1
  selector: {matchLabels: {app: rs}}
  template: $(template rs)
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: no-nodes, namespace: $ns}
spec:
  selector: {matchLabels: {app: ds}}
  template: $(template ds)
---
apiVersion: v1
kind: Pod
metadata: {name: pending, namespace: $ns}
spec: {containers: [{name: c, image: registry.k8s.io/pause:3.9}]}
---
apiVersion: v1
kind: Pod
metadata: {name: running-ready, namespace: $ns}
spec: {containers: [{name: c, image: registry.k8s.io/pause:3.9}]}
---
apiVersion: v1
kind: Pod
metadata: {name: crash-looping, namespace: $ns}
spec: {containers: [{name: c, image: registry.k8s.io/pause:3.9}]}
---
apiVersion: v1
kind: Pod
metadata: {name: failed, namespace: $ns}
spec: {restartPolicy: Never, containers: [{name: c, image: registry.k8s.io/pause:3.9}]}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: pending, namespace: $ns}
spec: {accessModes: [ReadWriteOnce], storageClassName: none, resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: health-bound}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  hostPath: {path: /tmp/health-bound}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: bound, namespace: $ns}
spec: {accessModes: [ReadWriteOnce], storageClassName: manual, volumeName: health-bound, resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Service
metadata: {name: cluster-ip, namespace: $ns}
spec: {selector: {app: x}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: load-balancer, namespace: $ns}
spec: {type: LoadBalancer, selector: {app: x}, ports: [{port: 80}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: deadline, namespace: $ns}
spec:
  activeDeadlineSeconds: 5
  template: {spec: {restartPolicy: Never, containers: [{name: c, image: registry.k8s.io/pause:3.9}]}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: running, namespace: $ns}
spec:
  template: {spec: {restartPolicy: Never, containers: [{name: c, image: registry.k8s.io/pause:3.9}]}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: complete, namespace: $ns}
spec:
  template: {spec: {restartPolicy: Never, containers: [{name: c, image: registry.k8s.io/pause:3.9}]}}
---
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata: {name: pdb, namespace: $ns}
spec: {minAvailable: 1, selector: {matchLabels: {app: progressing}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: terminating, namespace: $ns, finalizers: [steward.dev/test-hold]}
data: {k: v}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.health.steward.dev}
spec:
  group: health.steward.dev
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
YAML

# A node of our own (no kubelet behind it), so that the DaemonSet has a pod to wait for.
kubectl apply -f - <<YAML
apiVersion: v1
kind: Node
metadata: {name: health-node, labels: {kubernetes.io/hostname: health-node}}
YAML

crd=/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.health.steward.dev
wait_for 60 $crd '.status.conditions[]? | select(.type == "Established" and .status == "True")'
save crd-established $crd

widgets=/apis/health.steward.dev/v1/namespaces/$ns/widgets
for name in no-status ready stalled not-ready; do
  kubectl apply -f - <<YAML
apiVersion: health.steward.dev/v1
kind: Widget
metadata: {name: $name, namespace: $ns}
spec: {size: 1}
YAML
done
save widget-no-status $widgets/no-status
widget_status() {  # NAME TYPE STATUS REASON: one condition, as the widget's controller would write
  local now; now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  kubectl -n $ns patch widget "$1" --subresource=status --type=merge -p \
    "{\"status\":{\"observedGeneration\":1,\"conditions\":[{\"type\":\"$2\",\"status\":\"$3\",\"reason\":\"$4\",\"message\":\"set by capture_fixtures.sh\",\"lastTransitionTime\":\"$now\"}]}}"
}
widget_status ready Ready True Reconciled
widget_status stalled Stalled True InvalidSize
widget_status not-ready Ready False Provisioning
save widget-ready $widgets/ready
save widget-stalled $widgets/stalled
save widget-not-ready $widgets/not-ready

# Pods: without a kubelet the phase is written here, through /status.
pod_status() {  # NAME STATUS-JSON
  kubectl -n $ns patch pod "$1" --subresource=status --type=merge -p "{\"status\":$2}"
}
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
pod_status running-ready "{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"lastTransitionTime\":\"$now\"}],\"containerStatuses\":[{\"name\":\"c\",\"image\":\"registry.k8s.io/pause:3.9\",\"imageID\":\"\",\"ready\":true,\"restartCount\":0,\"state\":{\"running\":{\"startedAt\":\"$now\"}}}]}"
pod_status crash-looping "{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\",\"reason\":\"ContainersNotReady\",\"lastTransitionTime\":\"$now\"}],\"containerStatuses\":[{\"name\":\"c\",\"image\":\"registry.k8s.io/pause:3.9\",\"imageID\":\"\",\"ready\":false,\"restartCount\":5,\"state\":{\"waiting\":{\"reason\":\"CrashLoopBackOff\",\"message\":\"back-off 2m40s restarting failed container\"}}}]}"
pod_status failed "{\"phase\":\"Failed\",\"reason\":\"Error\",\"containerStatuses\":[{\"name\":\"c\",\"image\":\"registry.k8s.io/pause:3.9\",\"imageID\":\"\",\"ready\":false,\"restartCount\":0,\"state\":{\"terminated\":{\"exitCode\":1,\"reason\":\"Error\",\"startedAt\":\"$now\",\"finishedAt\":\"$now\"}}}]}"
save pod-pending $core/pods/pending
save pod-running-ready $core/pods/running-ready
save pod-crash-looping $core/pods/crash-looping
save pod-failed $core/pods/failed

wait_for 60 $apps/deployments/progressing '.status.observedGeneration == 1 and .status.replicas == 2'
save deployment-progressing $apps/deployments/progressing
wait_for 60 $apps/deployments/scaled-to-zero '.status.observedGeneration == 1 and (.status.conditions[]? | select(.type == "Progressing" and .reason == "NewReplicaSetAvailable"))'
save deployment-scaled-to-zero $apps/deployments/scaled-to-zero
wait_for 60 $apps/statefulsets/progressing '.status.observedGeneration == 1 and .status.replicas == 1'
save statefulset-progressing $apps/statefulsets/progressing
wait_for 60 $apps/replicasets/progressing '.status.observedGeneration == 1 and .status.replicas == 1'
save replicaset-progressing $apps/replicasets/progressing
wait_for 60 $apps/daemonsets/no-nodes '.status.observedGeneration == 1 and .status.desiredNumberScheduled >= 1' ||
  say "the DaemonSet found no node; saving it as it is"
save daemonset-progressing $apps/daemonsets/no-nodes

wait_for 60 $core/persistentvolumeclaims/bound '.status.phase == "Bound"'
save pvc-bound $core/persistentvolumeclaims/bound
save pvc-pending $core/persistentvolumeclaims/pending
save service-cluster-ip $core/services/cluster-ip
save service-load-balancer $core/services/load-balancer

wait_for 60 /apis/policy/v1beta1/namespaces/$ns/poddisruptionbudgets/pdb '.status.observedGeneration == 1'
save pdb /apis/policy/v1beta1/namespaces/$ns/poddisruptionbudgets/pdb

wait_for 60 $batch/jobs/running '.status.startTime != null'
save job-running $batch/jobs/running
wait_for 60 $batch/jobs/complete '.status.startTime != null'
kubectl -n $ns patch job complete --subresource=status --type=merge -p \
  "{\"status\":{\"active\":0,\"succeeded\":1,\"completionTime\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"conditions\":[{\"type\":\"Complete\",\"status\":\"True\",\"lastProbeTime\":\"$now\",\"lastTransitionTime\":\"$now\"}]}}"
save job-complete $batch/jobs/complete
wait_for 60 $batch/jobs/deadline '.status.conditions[]? | select(.type == "Failed" and .status == "True")'
save job-deadline-exceeded $batch/jobs/deadline

wait_for 90 $apps/deployments/deadline '.status.conditions[]? | select(.type == "Progressing" and .reason == "ProgressDeadlineExceeded")'
save deployment-deadline-exceeded $apps/deployments/deadline

kubectl -n $ns delete configmap terminating --wait=false
save configmap-terminating $core/configmaps/terminating
kubectl -n $ns patch configmap terminating --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]'
say "done"
