#include "kube/object.hpp"

#include <algorithm>
#include <string>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace steward::kube {

namespace {
// The DOM of a Kubernetes object takes somewhat more than its JSON text (16-byte values, copied
// strings); one chunk of twice the text usually holds all of it.
std::size_t chunk_for(std::size_t json_size) { return std::max<std::size_t>(256, 2 * json_size); }
}  // namespace

std::shared_ptr<Object> parse_object(std::string_view json) {
  auto object = std::make_shared<Object>(chunk_for(json.size()));
  object->Parse(json.data(), json.size());
  return object;
}

rapidjson::CrtAllocator& detail::shared_base_allocator() {
  static rapidjson::CrtAllocator allocator;
  return allocator;
}

namespace {

// RAPIDJSON_ALIGN: every pool allocation is rounded up to 8 bytes.
constexpr std::size_t align(std::size_t n) { return (n + 7u) & ~std::size_t{7}; }

// The longest string RapidJSON keeps inside the value itself (no pool bytes). It depends on the
// build's pointer layout, so it is measured once rather than assumed.
std::size_t longest_inline_string() {
  static const std::size_t longest = [] {
    std::size_t n = 0;
    for (;; ++n) {
      rapidjson::MemoryPoolAllocator<> pool(256, &detail::shared_base_allocator());
      const std::string text(n + 1, 'x');
      rapidjson::Value copy(text.data(), static_cast<rapidjson::SizeType>(text.size()), pool);
      if (pool.Size() != 0) return n;
    }
  }();
  return longest;
}

}  // namespace

std::size_t pool_bytes(const rapidjson::Value& value) {
  if (value.IsString()) {
    const std::size_t length = value.GetStringLength();
    return length <= longest_inline_string() ? 0 : align(length + 1);
  }
  std::size_t bytes = 0;
  if (value.IsObject()) {
    bytes += align(value.MemberCount() * sizeof(rapidjson::Value::Member));
    for (const auto& member : value.GetObject()) {
      bytes += pool_bytes(member.name) + pool_bytes(member.value);
    }
  } else if (value.IsArray()) {
    bytes += align(value.Size() * sizeof(rapidjson::Value));
    for (const auto& element : value.GetArray()) bytes += pool_bytes(element);
  }
  return bytes;
}

std::shared_ptr<Object> compact_copy(const rapidjson::Value& value) {
  // A chunk of at least 1 byte: a zero capacity would make the pool fall back to its default.
  auto object = std::make_shared<Object>(std::max<std::size_t>(1, pool_bytes(value)));
  object->CopyFrom(value, object->GetAllocator());
  return object;
}

std::shared_ptr<Object> copy_object(const rapidjson::Value& value, std::size_t size_hint) {
  auto object = std::make_shared<Object>(chunk_for(size_hint));
  object->CopyFrom(value, object->GetAllocator());
  return object;
}

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
