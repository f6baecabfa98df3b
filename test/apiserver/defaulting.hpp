// What the real server fills in and canonicalises on write (reference 13, 27, 32): defaults per kind
// and resource quantities in canonical form. Runs on every create, update, patch and apply.
#pragma once

#include "field_set.hpp"
#include "json.hpp"
#include "registry.hpp"

#include <optional>
#include <string>
#include <vector>

namespace steward::testapi {

class Defaulter {
 public:
  // Fills defaults in place. Returns an error message (for a 422) when a quantity does not parse.
  std::optional<std::string> apply(const ResourceType& type, json::Value& object);

  std::string allocate_cluster_ip();

 private:
  int next_ip_ = 1;  // 10.0.0.1 is the kubernetes Service in a real cluster; we hand out from .1 upwards
};

// The kind's Go zero value as the real server prints it (below metadata): what a create's
// managedFields entry is computed against.
json::Value zero_object(const ResourceType& type);
// Fields the real registry fills after its field manager ran (a Namespace's spec.finalizers, a
// Service's allocated cluster IPs): a create owns them only when the request set them.
std::vector<FieldPath> strategy_set_fields(const ResourceType& type);

}  // namespace steward::testapi
