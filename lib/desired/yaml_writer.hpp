#pragma once
// JSON value → block YAML text that yaml_to_json (yaml_json.hpp) reads back to the same value.
//
// For people and diffs, laid out as `kubectl get -o yaml` lays it out: two-space indent, list
// items at the indent of their key, the first key of a map in a list on the `- ` line. Map keys
// are sorted (bytewise), so two renderings of equal values are equal text whatever order their
// members came in, and a diff of two renderings shows only what changed.
//
// Scalars keep their JSON type when read back, by Kubernetes' rules (scalar_resolve.hpp):
//  - a string is written plain only when it is printable ASCII, has no YAML syntax in it
//    (indicator first, ": ", " #", edge spaces) and would resolve as a string: "0.5", "yes", "null"
//    and "" are quoted;
//  - a string with line breaks is a literal block (`|`, `|-` or `|+` for its trailing newlines),
//    so a changed line of a ConfigMap's file shows as one changed line; one a literal block cannot
//    carry exactly (a carriage return or other control character, a line starting with a tab,
//    a first line starting with a space, a whitespace-only line) is double-quoted with escapes;
//  - numbers as RapidJSON writes them (1 stays an integer, 1.0 and 0.5 floats);
//  - empty maps and lists as {} and [].

#include <rapidjson/document.h>

#include <string>

namespace steward::desired {

// The YAML for `value`, every line ending in '\n'.
std::string to_yaml(const rapidjson::Value& value);

}  // namespace steward::desired
