#include "reconcile/ownership.hpp"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

#include "kube/resource.hpp"

namespace steward::reconcile {
namespace {

using rapidjson::Value;

Value string_value(std::string_view text, kube::Object::AllocatorType& allocator) {
  return Value(text.data(), static_cast<rapidjson::SizeType>(text.size()), allocator);
}

void set_string(Value& map, std::string_view name, std::string_view value,
                kube::Object::AllocatorType& allocator) {
  auto found = map.FindMember(Value(rapidjson::StringRef(name.data(), name.size())));
  if (found != map.MemberEnd()) {
    found->value = string_value(value, allocator);
  } else {
    map.AddMember(string_value(name, allocator), string_value(value, allocator), allocator);
  }
}

// SHA-256 of `text`, the first 128 bits in hex: stable across builds and machines (std::hash is
// not), and long enough that two desired states never collide in practice.
std::string hash_hex(std::string_view text) { return desired::to_hex(desired::sha256(text), 16); }

}  // namespace

ApplyBody make_apply_body(const desired::DesiredObject& desired) {
  auto body = kube::copy_object(*desired.object, 1024);
  auto& allocator = body->GetAllocator();
  if (!body->HasMember("metadata") || !(*body)["metadata"].IsObject()) {
    body->RemoveMember("metadata");
    body->AddMember("metadata", Value(rapidjson::kObjectType), allocator);
  }
  Value& metadata = (*body)["metadata"];
  for (const char* server_owned : {"resourceVersion", "uid", "creationTimestamp", "generation",
                                   "managedFields", "selfLink", "deletionTimestamp",
                                   "deletionGracePeriodSeconds"}) {
    metadata.RemoveMember(server_owned);
  }
  if (!desired.key.ns.empty()) set_string(metadata, "namespace", desired.key.ns, allocator);

  if (!metadata.HasMember("labels")) {
    metadata.AddMember("labels", Value(rapidjson::kObjectType), allocator);
  }
  Value& labels = metadata["labels"];
  if (!labels.IsObject()) labels.SetObject();
  set_string(labels, kManagedByLabel, kManagedByValue, allocator);

  if (!metadata.HasMember("annotations")) {
    metadata.AddMember("annotations", Value(rapidjson::kObjectType), allocator);
  }
  Value& annotations = metadata["annotations"];
  if (!annotations.IsObject()) annotations.SetObject();
  set_string(annotations, kSourceAnnotation, desired.source, allocator);
  annotations.RemoveMember(Value(rapidjson::StringRef(kDesiredHashAnnotation.data(),
                                                      kDesiredHashAnnotation.size())));

  // The hash covers everything applied except itself: a change of manifest, source or namespace
  // is a new desired state.
  std::string hash = hash_hex(desired::canonical_json(*body));
  set_string(annotations, kDesiredHashAnnotation, hash, allocator);
  return {std::move(body), std::move(hash)};
}

std::string_view owning_source(const Value& live) {
  if (kube::string_at(live, {"metadata", "labels", kManagedByLabel}) != kManagedByValue) return {};
  return kube::string_at(live, {"metadata", "annotations", kSourceAnnotation});
}

std::vector<std::string> source_index(const Value& live) {
  const std::string_view source = owning_source(live);
  if (source.empty()) return {};
  return {std::string(source)};
}

std::string_view applied_hash(const Value& live) {
  return kube::string_at(live, {"metadata", "annotations", kDesiredHashAnnotation});
}

desired::ObjectKey key_of(const Value& object) {
  const auto [group, version] =
      kube::split_api_version(kube::string_at(object, {"apiVersion"}));
  (void)version;
  return {std::string(group), std::string(kube::string_at(object, {"kind"})),
          std::string(kube::string_at(object, {"metadata", "namespace"})),
          std::string(kube::string_at(object, {"metadata", "name"}))};
}

}  // namespace steward::reconcile
