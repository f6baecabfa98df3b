#pragma once
// Apply order for objects that are new (issue #6 in the project's tracker): Namespaces and CRDs
// first, then ServiceAccounts and RBAC, then the rest. Objects live in Namespaces and may be of a
// CRD's kind, so those must exist before anything else can be created; what workloads run as and
// are allowed to do comes next, so that a Pod does not start under a ServiceAccount or Role that is
// not there yet.
//
// Only the built-in kinds are matched, by group and kind: a CRD's `Role` in iam.example.com is an
// ordinary object (tier 2). The controller enqueues new keys by tier; the reconciler holds back the
// create of an object while one of an earlier tier is not there yet (reconcile/create_order.hpp).

#include "desired/desired_object.hpp"

namespace steward::desired {

enum class ApplyTier {
  kFoundation = 0,  // Namespace, CustomResourceDefinition
  kIdentity = 1,    // ServiceAccount, Role, ClusterRole, RoleBinding, ClusterRoleBinding
  kRest = 2,        // everything else
};

ApplyTier apply_tier(const ObjectKey& key);

}  // namespace steward::desired
