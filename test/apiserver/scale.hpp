// The scale subresource (deployments/scale): an autoscaling/v1 Scale that reads and writes the
// object's spec.replicas, as kube-apiserver 1.20's ScaleREST does. `kubectl scale` patches it
// (a JSON merge patch `{"spec":{"replicas":N}}`).
#pragma once

#include "json.hpp"

#include <string>

namespace steward::testapi {

// The Scale of a Deployment: name, namespace, uid, resourceVersion and creationTimestamp of the
// object; spec.replicas (left out when 0, omitempty); status.replicas (always) and the selector
// as a label selector string.
json::Value scale_of(const json::Value& object);

// metav1.LabelSelectorAsSelector(s).String(): requirements sorted by key, "k=v" for matchLabels,
// "k in (a,b)", "k notin (a,b)", "k", "!k" for matchExpressions, joined by commas.
std::string label_selector_string(const json::Value& selector);

}  // namespace steward::testapi
