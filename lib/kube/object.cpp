#include "kube/object.hpp"

#include <algorithm>
#include <string>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace steward::kube {

// The DOM of a Kubernetes object takes somewhat more than its JSON text (16-byte values, copied
// strings); one chunk of twice the text usually holds all of it.
std::size_t object_chunk_for(std::size_t json_size) {
  return std::max<std::size_t>(256, 2 * json_size);
}

std::shared_ptr<Object> parse_object(std::string_view json) {
  auto object = std::make_shared<Object>(object_chunk_for(json.size()));
  object->Parse(json.data(), json.size());
  return object;
}

rapidjson::CrtAllocator& detail::shared_base_allocator() {
  static rapidjson::CrtAllocator allocator;
  return allocator;
}

std::shared_ptr<Object> copy_object(const rapidjson::Value& value, std::size_t size_hint) {
  auto object = std::make_shared<Object>(object_chunk_for(size_hint));
  object->CopyFrom(value, object->GetAllocator());
  return object;
}

const rapidjson::Value* value_at(const rapidjson::Value& value,
                                 std::initializer_list<std::string_view> path) {
  const rapidjson::Value* at = &value;
  for (std::string_view name : path) {
    if (!at->IsObject()) return nullptr;
    auto member = at->FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
    if (member == at->MemberEnd()) return nullptr;
    at = &member->value;
  }
  return at;
}

std::string_view string_at(const rapidjson::Value& value,
                           std::initializer_list<std::string_view> path) {
  const rapidjson::Value* at = value_at(value, path);
  if (at == nullptr || !at->IsString()) return {};
  return {at->GetString(), at->GetStringLength()};
}

std::string to_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace steward::kube
