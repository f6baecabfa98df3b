#include "health/fields.hpp"

namespace steward::health {

std::int64_t int_field(const rapidjson::Value& object, std::initializer_list<std::string_view> path,
                       std::int64_t fallback) {
  const auto* value = value_at(object, path);
  return value != nullptr && value->IsInt64() ? value->GetInt64() : fallback;
}

bool has_int_field(const rapidjson::Value& object, std::initializer_list<std::string_view> path) {
  const auto* value = value_at(object, path);
  return value != nullptr && value->IsInt64();
}

std::string_view string_field(const rapidjson::Value& object,
                              std::initializer_list<std::string_view> path,
                              std::string_view fallback) {
  const auto* value = value_at(object, path);
  if (value == nullptr || !value->IsString()) return fallback;
  return {value->GetString(), value->GetStringLength()};
}

bool find_condition(const rapidjson::Value& object, std::string_view type, std::string_view status,
                    Condition* found) {
  return any_condition(object, [&](const Condition& condition) {
    if (condition.type != type || condition.status != status) return false;
    if (found != nullptr) *found = condition;
    return true;
  });
}

}  // namespace steward::health
