#include "desired/apply_order.hpp"

namespace steward::desired {

ApplyTier apply_tier(const ObjectKey& key) {
  if (key.group.empty()) {
    if (key.kind == "Namespace") return ApplyTier::kFoundation;
    if (key.kind == "ServiceAccount") return ApplyTier::kIdentity;
  } else if (key.group == "apiextensions.k8s.io") {
    if (key.kind == "CustomResourceDefinition") return ApplyTier::kFoundation;
  } else if (key.group == "rbac.authorization.k8s.io") {
    if (key.kind == "Role" || key.kind == "ClusterRole" || key.kind == "RoleBinding" ||
        key.kind == "ClusterRoleBinding") {
      return ApplyTier::kIdentity;
    }
  }
  return ApplyTier::kRest;
}

}  // namespace steward::desired
