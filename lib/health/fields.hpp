#pragma once
// Reading an object's fields the way kstatus does: a missing field, or one of the wrong type, is
// the given fallback, never an error. The health rules are judgements on what a server (or a
// controller) wrote, and a malformed status must not stop the other objects from being judged.

#include <rapidjson/document.h>

#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "kube/object.hpp"

namespace steward::health {

// The value at `path`, or nullptr (kube/object.hpp).
using kube::value_at;

// The integer at `path`, or `fallback` when absent or not an integer.
std::int64_t int_field(const rapidjson::Value& object, std::initializer_list<std::string_view> path,
                       std::int64_t fallback);

// Whether `path` holds an integer (kstatus's generation rules skip what is absent).
bool has_int_field(const rapidjson::Value& object, std::initializer_list<std::string_view> path);

// The string at `path`, or `fallback` when absent or not a string.
std::string_view string_field(const rapidjson::Value& object,
                              std::initializer_list<std::string_view> path,
                              std::string_view fallback = {});

// One entry of status.conditions; views into the object.
struct Condition {
  std::string_view type;
  std::string_view status;  // "True", "False", "Unknown"
  std::string_view reason;
  std::string_view message;
};

// Calls `visit(condition)` for each well-formed entry of status.conditions in order, until it
// returns true; returns whether one did.
template <typename Visit>
bool any_condition(const rapidjson::Value& object, Visit visit) {
  const auto* conditions = value_at(object, {"status", "conditions"});
  if (conditions == nullptr || !conditions->IsArray()) return false;
  for (const auto& entry : conditions->GetArray()) {
    if (!entry.IsObject()) continue;
    Condition condition{string_field(entry, {"type"}), string_field(entry, {"status"}),
                        string_field(entry, {"reason"}), string_field(entry, {"message"})};
    if (condition.type.empty()) continue;
    if (visit(condition)) return true;
  }
  return false;
}

// The first condition of `type` with `status`, if any.
bool find_condition(const rapidjson::Value& object, std::string_view type, std::string_view status,
                    Condition* found = nullptr);

}  // namespace steward::health
