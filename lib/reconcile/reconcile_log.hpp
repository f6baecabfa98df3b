#pragma once
// The fields of a reconcile's log lines, on every line logged for one reconcile of one key (the
// reconciler's audit lines, the controller's outcome lines): `resource` as the metrics' label has it
// (deployments.apps, configmaps), `namespace` ("" when cluster-scoped), `name`, and `reconcileID`,
// unique per reconcile as controller-runtime's (a UUID there): one ID finds everything that one
// reconcile did, several IDs with the same key tell its retries apart.

#include <optional>
#include <string>
#include <string_view>

#include "desired/desired_object.hpp"
#include "kube/resource.hpp"
#include "observe/log.hpp"

namespace steward::reconcile {

// 16 hex digits: a counter from a random start, so unique within the process (no lock, no
// collision) and unlikely to repeat one of an earlier process's.
std::string next_reconcile_id();

// The metrics' `resource` label: discovery's name ("deployments.apps", "configmaps"), as the
// informer metrics have it. A kind discovery does not serve (yet) stands in as "Kind.group".
std::string resource_label(const std::optional<kube::ResourceType>& type,
                           const desired::ObjectKey& key);

// The "reconcile" logger with the reconcile's fields.
observe::Logger reconcile_logger(const desired::ObjectKey& key, std::string_view resource,
                                 std::string_view reconcile_id);

}  // namespace steward::reconcile
