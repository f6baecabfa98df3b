// Server-side apply bodies arrive as YAML (application/apply-patch+yaml; JSON is valid YAML too).
#pragma once

#include "json.hpp"

#include <string_view>

namespace steward::testapi {

// Plain scalars become numbers/bools/null per YAML 1.2's core schema (as sigs.k8s.io/yaml does);
// quoted scalars stay strings, so `cpu: "0.5"` remains the string "0.5". Throws json::ParseError.
json::Value yaml_to_json(std::string_view text);

}  // namespace steward::testapi
