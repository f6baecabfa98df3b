#include "reconcile/managed_fields.hpp"

#include <charconv>
#include <string>

#include "kube/object.hpp"

namespace steward::reconcile {
namespace {

using rapidjson::Value;

std::string_view name_view(const Value& name) {
  return {name.GetString(), name.GetStringLength()};
}

// JSON equality as the server compares key values: numbers by value.
bool same(const Value& a, const Value& b) {
  if (a.IsNumber() && b.IsNumber()) {
    if (a.IsInt64() && b.IsInt64()) return a.GetInt64() == b.GetInt64();
    return a.GetDouble() == b.GetDouble();
  }
  return a == b;
}

// Whether `item` has every field of `key` ("k:{...}") with the same value.
bool matches_key(const Value& key, const Value& item) {
  if (!key.IsObject() || !item.IsObject()) return false;
  for (const auto& field : key.GetObject()) {
    const Value* value = kube::value_at(item, {name_view(field.name)});
    if (value == nullptr || !same(field.value, *value)) return false;
  }
  return true;
}

}  // namespace

std::vector<ManagedEntry> managed_entries(const Value& live) {
  std::vector<ManagedEntry> out;
  const Value* managed = kube::value_at(live, {"metadata", "managedFields"});
  if (managed == nullptr || !managed->IsArray()) return out;
  for (const Value& entry : managed->GetArray()) {
    const Value* fields = kube::value_at(entry, {"fieldsV1"});
    out.push_back({kube::string_at(entry, {"manager"}), kube::string_at(entry, {"operation"}),
                   fields != nullptr && fields->IsObject() ? fields : nullptr});
  }
  return out;
}

const Value* applied_fields(const Value& live, std::string_view manager) {
  for (const ManagedEntry& entry : managed_entries(live)) {
    if (entry.manager == manager && entry.operation == "Apply") return entry.fields;
  }
  return nullptr;
}

const Value* field_node(const Value* node, std::string_view name) {
  if (node == nullptr) return nullptr;
  const std::string field = "f:" + std::string(name);
  return kube::value_at(*node, {field});
}

const Value* item_node(const Value* node, const Value& item, rapidjson::SizeType index) {
  if (node == nullptr || !node->IsObject()) return nullptr;
  for (const auto& child : node->GetObject()) {
    const std::string_view name = name_view(child.name);
    if (name.size() < 2 || name[1] != ':') continue;
    const std::string_view rest = name.substr(2);
    if (name[0] == 'i') {
      rapidjson::SizeType at = 0;
      const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), at);
      if (error == std::errc() && end == rest.data() + rest.size() && at == index) {
        return &child.value;
      }
      continue;
    }
    if (name[0] != 'k' && name[0] != 'v') continue;
    rapidjson::Document parsed;
    parsed.Parse(rest.data(), rest.size());
    if (parsed.HasParseError()) continue;
    if (name[0] == 'k' ? matches_key(parsed, item) : same(parsed, item)) return &child.value;
  }
  return nullptr;
}

bool is_member(const Value* node) {
  return node != nullptr && node->IsObject() && (node->ObjectEmpty() || node->HasMember("."));
}

bool owns_whole_list(const Value* node) {
  if (!is_member(node)) return false;
  for (const auto& child : node->GetObject()) {
    if (name_view(child.name) != ".") return false;
  }
  return true;
}

}  // namespace steward::reconcile
