// What the real server fills in and canonicalises on write (reference 13, 27, 32): defaults per kind
// and resource quantities in canonical form. Runs on every create, update, patch and apply.
#pragma once

#include "json.hpp"
#include "registry.hpp"

#include <optional>
#include <string>

namespace steward::testapi {

class Defaulter {
 public:
  // Fills defaults in place. Returns an error message (for a 422) when a quantity does not parse.
  std::optional<std::string> apply(const ResourceType& type, json::Value& object);

 private:
  std::string allocate_cluster_ip();
  int next_ip_ = 1;  // 10.0.0.1 is the kubernetes Service in a real cluster; we hand out from .1 upwards
};

}  // namespace steward::testapi
