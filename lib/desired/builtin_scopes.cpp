#include "desired/builtin_scopes.hpp"

#include <array>

#include "kube/resource.hpp"

namespace steward::desired {

namespace {

struct BuiltinKind {
  std::string_view group;  // "" for the core group
  std::string_view kind;
  bool namespaced;
};

// From `kubectl api-resources` of a current cluster; the kinds manifests commonly carry.
constexpr std::array kBuiltinKinds{
    // Cluster-scoped.
    BuiltinKind{"", "Namespace", false},
    BuiltinKind{"", "Node", false},
    BuiltinKind{"", "PersistentVolume", false},
    BuiltinKind{"rbac.authorization.k8s.io", "ClusterRole", false},
    BuiltinKind{"rbac.authorization.k8s.io", "ClusterRoleBinding", false},
    BuiltinKind{"apiextensions.k8s.io", "CustomResourceDefinition", false},
    BuiltinKind{"storage.k8s.io", "StorageClass", false},
    BuiltinKind{"scheduling.k8s.io", "PriorityClass", false},
    BuiltinKind{"networking.k8s.io", "IngressClass", false},
    BuiltinKind{"admissionregistration.k8s.io", "MutatingWebhookConfiguration", false},
    BuiltinKind{"admissionregistration.k8s.io", "ValidatingWebhookConfiguration", false},
    BuiltinKind{"apiregistration.k8s.io", "APIService", false},
    // Namespaced.
    BuiltinKind{"", "ConfigMap", true},
    BuiltinKind{"", "Secret", true},
    BuiltinKind{"", "Service", true},
    BuiltinKind{"", "ServiceAccount", true},
    BuiltinKind{"", "Pod", true},
    BuiltinKind{"", "PersistentVolumeClaim", true},
    BuiltinKind{"", "Event", true},
    BuiltinKind{"events.k8s.io", "Event", true},
    BuiltinKind{"apps", "Deployment", true},
    BuiltinKind{"apps", "StatefulSet", true},
    BuiltinKind{"apps", "DaemonSet", true},
    BuiltinKind{"batch", "Job", true},
    BuiltinKind{"batch", "CronJob", true},
    BuiltinKind{"rbac.authorization.k8s.io", "Role", true},
    BuiltinKind{"rbac.authorization.k8s.io", "RoleBinding", true},
    BuiltinKind{"networking.k8s.io", "Ingress", true},
    BuiltinKind{"networking.k8s.io", "NetworkPolicy", true},
    BuiltinKind{"coordination.k8s.io", "Lease", true},
    BuiltinKind{"autoscaling", "HorizontalPodAutoscaler", true},
    BuiltinKind{"policy", "PodDisruptionBudget", true},
};

}  // namespace

std::optional<bool> builtin_is_namespaced(std::string_view api_version, std::string_view kind) {
  const std::string_view group = kube::split_api_version(api_version).first;
  for (const BuiltinKind& entry : kBuiltinKinds)
    if (entry.kind == kind && entry.group == group) return entry.namespaced;
  return std::nullopt;
}

}  // namespace steward::desired
