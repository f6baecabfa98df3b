#pragma once
// A live object's metadata.managedFields, as server-side apply records field ownership: one entry
// per manager and operation, each with a fieldsV1 tree of what it owns:
//
//   {"f:spec": {"f:replicas": {},
//               "f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {".": {}, ...}}}}}}
//
// A map field is "f:<name>"; a list item is "k:<its key fields as JSON>" (keyed lists),
// "v:<the value as JSON>" (sets) or "i:<index>"; "." marks a node that is owned itself as well as
// what lies under it, and an empty node is owned whole (a scalar, or an atomic list or map).

#include <rapidjson/document.h>

#include <string_view>
#include <vector>

namespace steward::reconcile {

struct ManagedEntry {
  std::string_view manager;
  std::string_view operation;  // "Apply" or "Update"
  const rapidjson::Value* fields = nullptr;  // fieldsV1, or null when absent (or dropped by a cache)
};

// The entries of `live`, in its order; views into `live`.
std::vector<ManagedEntry> managed_entries(const rapidjson::Value& live);
// The fieldsV1 of `manager`'s Apply entry in `live`, or null.
const rapidjson::Value* applied_fields(const rapidjson::Value& live, std::string_view manager);

// The node of map field `name` under `node`, or null (also for a null `node`).
const rapidjson::Value* field_node(const rapidjson::Value* node, std::string_view name);
// The node of a list's item under the list's `node`: the live item `item` at `index`, matched by
// its key fields, its value or its index. Null when the set holds none.
const rapidjson::Value* item_node(const rapidjson::Value* node, const rapidjson::Value& item,
                                  rapidjson::SizeType index);
// Whether `node` is owned itself: empty, or marked ".".
bool is_member(const rapidjson::Value* node);
// Whether a list's `node` owns the list whole (an atomic list): owned, and no item under it.
bool owns_whole_list(const rapidjson::Value* node);

}  // namespace steward::reconcile
