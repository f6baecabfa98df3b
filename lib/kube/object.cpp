#include "kube/object.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace steward::kube {

std::string_view string_at(const rapidjson::Value& value,
                           std::initializer_list<std::string_view> path) {
  const rapidjson::Value* at = &value;
  for (std::string_view name : path) {
    if (!at->IsObject()) return {};
    auto member = at->FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
    if (member == at->MemberEnd()) return {};
    at = &member->value;
  }
  if (!at->IsString()) return {};
  return {at->GetString(), at->GetStringLength()};
}

std::string to_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace steward::kube
