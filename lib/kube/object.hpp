#pragma once
// Objects as steward holds them: one RapidJSON document per Kubernetes object, owning its memory,
// shared immutably (readers never copy; a change is a new document).

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <string_view>

namespace steward::kube {

using Object = rapidjson::Document;
using ObjectPtr = std::shared_ptr<const Object>;

// A string member of `value` at `path` (e.g. {"metadata", "name"}), or empty if absent or not a
// string.
std::string_view string_at(const rapidjson::Value& value,
                           std::initializer_list<std::string_view> path);

// Serialises `value` as compact JSON.
std::string to_json(const rapidjson::Value& value);

}  // namespace steward::kube
