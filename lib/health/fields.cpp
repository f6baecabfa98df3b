#include "health/fields.hpp"

namespace steward::health {

const rapidjson::Value* field(const rapidjson::Value& object,
                              std::initializer_list<std::string_view> path) {
  const rapidjson::Value* at = &object;
  for (std::string_view name : path) {
    if (!at->IsObject()) return nullptr;
    auto length = static_cast<rapidjson::SizeType>(name.size());
    auto member = at->FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), length)));
    if (member == at->MemberEnd()) return nullptr;
    at = &member->value;
  }
  return at;
}

std::int64_t int_field(const rapidjson::Value& object, std::initializer_list<std::string_view> path,
                       std::int64_t fallback) {
  const auto* value = field(object, path);
  return value != nullptr && value->IsInt64() ? value->GetInt64() : fallback;
}

bool has_int_field(const rapidjson::Value& object, std::initializer_list<std::string_view> path) {
  const auto* value = field(object, path);
  return value != nullptr && value->IsInt64();
}

std::string_view string_field(const rapidjson::Value& object,
                              std::initializer_list<std::string_view> path,
                              std::string_view fallback) {
  const auto* value = field(object, path);
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
