#include "desired/apply_body.hpp"

#include "desired/desired_object.hpp"
#include "kube/frozen_object.hpp"

namespace steward::desired {
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

// The mapping `name` of `parent`, made one if it is missing or is not a mapping.
Value& mapping(Value& parent, std::string_view name, kube::Object::AllocatorType& allocator) {
  auto found = parent.FindMember(Value(rapidjson::StringRef(name.data(), name.size())));
  if (found == parent.MemberEnd()) {
    parent.AddMember(string_value(name, allocator), Value(rapidjson::kObjectType), allocator);
    found = parent.FindMember(Value(rapidjson::StringRef(name.data(), name.size())));
  }
  if (!found->value.IsObject()) found->value.SetObject();
  return found->value;
}

}  // namespace

ApplyBody make_apply_body(const rapidjson::Value& manifest, std::string_view ns,
                          std::string_view source, std::string_view applyset) {
  auto body = kube::copy_object(manifest, 1024);
  auto& allocator = body->GetAllocator();
  if (!body->IsObject()) body->SetObject();
  Value& metadata = mapping(*body, "metadata", allocator);
  for (const char* server_owned : {"resourceVersion", "uid", "creationTimestamp", "generation",
                                   "managedFields", "selfLink", "deletionTimestamp",
                                   "deletionGracePeriodSeconds"}) {
    metadata.RemoveMember(server_owned);
  }
  if (!ns.empty()) set_string(metadata, "namespace", ns, allocator);
  Value& labels = mapping(metadata, "labels", allocator);
  set_string(labels, kManagedByLabel, kManagedByValue, allocator);
  if (!applyset.empty()) set_string(labels, kPartOfLabel, applyset, allocator);
  Value& annotations = mapping(metadata, "annotations", allocator);
  set_string(annotations, kSourceAnnotation, source, allocator);
  annotations.RemoveMember(Value(rapidjson::StringRef(kDesiredHashAnnotation.data(),
                                                      kDesiredHashAnnotation.size())));

  // The hash covers everything applied except itself: a change of manifest, source or namespace
  // is a new desired state.
  ApplyBody out;
  out.digest = sha256(canonical_json(*body));
  out.hash = to_hex(out.digest, 16);
  set_string(annotations, kDesiredHashAnnotation, out.hash, allocator);
  out.object = kube::freeze(*body);
  return out;
}

}  // namespace steward::desired
