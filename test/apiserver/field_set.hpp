// Sets of field paths in the FieldsV1 encoding managedFields uses ("f:spec" -> "f:replicas",
// "k:{\"name\":\"c\"}" for keyed list items, "v:..." for set items, "." for "the node itself").
//
// The real server knows each kind's schema (structured-merge-diff). This imitation uses a small
// table of what matters to steward: which lists are keyed and by what (containers by name, ports by
// containerPort+protocol, ...) and which structs are atomic (a Deployment's label selector); every
// other list is atomic and every other object is a granular map.
#pragma once

#include "json.hpp"

#include <map>
#include <string>
#include <vector>

namespace steward::testapi {

struct FieldSet {
  std::map<std::string, FieldSet> children;  // key order is FieldsV1's (".", then "f:", "k:", "v:")
  bool empty() const { return children.empty(); }
};

using FieldPath = std::vector<std::string>;  // elements like "f:spec", "k:{...}"

json::Value to_fields_v1(const FieldSet& set);
FieldSet from_fields_v1(const json::Value& v);

void insert(FieldSet& set, const FieldPath& path);
bool contains(const FieldSet& set, const FieldPath& path);
void remove(FieldSet& set, const FieldPath& path);
// Members: leaf nodes, and nodes that carry "." (the path itself, without the ".").
std::vector<FieldPath> members(const FieldSet& set);
// ".spec.template.spec.containers[name=\"c\"].image", as the real server prints paths in conflicts.
std::string path_string(const FieldPath& path);

enum class FieldSetMode {
  Apply,   // the fields an applied configuration sets: leaves and keyed list items
  Update,  // as Apply, plus "." on every non-empty map and list (changed_fields keeps those the
           // object before lacked: the real server owns a map or list an Update created)
};

// The set of fields `object` sets (skipping apiVersion, kind and server-owned metadata).
FieldSet fields_of(const json::Value& object, FieldSetMode mode);
// Fields of `after` that are new or different from `before`, for Update operations.
FieldSet changed_fields(const json::Value& before, const json::Value& after);

// The value at `path` in `object`; nullptr when absent.
const json::Value* value_at(const json::Value& object, const FieldPath& path);
// Removes the field or list item at `path` from `object` (no-op when absent).
void remove_at(json::Value& object, const FieldPath& path);

// Keys of the keyed list at `names` (field names from the root, list items skipped); empty for
// lists that are atomic (replaced whole) in this imitation's schema table.
std::vector<std::string> keyed_list_keys(const std::vector<std::string>& names);

// Merges an applied configuration into `target`: objects recursively (atomic ones replaced), keyed
// lists item by item, other lists and scalars replaced.
void apply_merge(json::Value& target, const json::Value& config);

}  // namespace steward::testapi
