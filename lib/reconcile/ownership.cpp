#include "reconcile/ownership.hpp"

#include "informer/reflector.hpp"
#include "desired/opt_outs.hpp"
#include "kube/resource.hpp"
#include "reconcile/ignore_rules.hpp"

namespace steward::reconcile {

using rapidjson::Value;

std::string_view owning_source(const Value& live) {
  if (kube::string_at(live, {"metadata", "labels", kManagedByLabel}) != kManagedByValue) return {};
  return kube::string_at(live, {"metadata", "annotations", kSourceAnnotation});
}

std::string legacy_member_key(std::string_view source) {
  std::string key(kSourceAnnotation);
  key.append("=").append(source);
  return key;
}

std::string member_key(const Value& live) {
  const std::string_view source = owning_source(live);
  if (source.empty()) return {};
  const std::string_view applyset = kube::string_at(live, {"metadata", "labels", kPartOfLabel});
  return applyset.empty() ? legacy_member_key(source) : std::string(applyset);
}

std::optional<std::string> member_source(const Value& live,
                                         const SourceOfMember& source_of_member) {
  const std::string member = member_key(live);
  if (member.empty()) return std::nullopt;
  if (source_of_member) return source_of_member(member);
  const std::string_view source = owning_source(live);
  if (member == legacy_member_key(source)) return std::string(source);
  return std::nullopt;
}

std::vector<std::string> member_index(const Value& live) {
  std::string key = member_key(live);
  if (key.empty()) return {};
  return {std::move(key)};
}

namespace {

const Value* member(const Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  const auto found = object.FindMember(Value(rapidjson::StringRef(name.data(), name.size())));
  return found == object.MemberEnd() ? nullptr : &found->value;
}

bool is_apply_by(const Value& entry, std::string_view manager) {
  return kube::string_at(entry, {"manager"}) == manager &&
         kube::string_at(entry, {"operation"}) == "Apply";
}

// The opt-out annotations a live object's managedFields say a manager's entry owns.
constexpr std::string_view kOptOutAnnotations[] = {
    desired::kReconcileAnnotation, desired::kPruneAnnotation, desired::kSsaAnnotation,
    desired::kForceAnnotation};

// "f:steward.dev/prune": how fieldsV1 names an annotation.
std::string field_name(std::string_view annotation) {
  return "f:" + std::string(annotation);
}

// The fieldsV1 "f:metadata" / "f:annotations" set of a managedFields entry, or null.
const Value* owned_annotations(const Value& entry) {
  const Value* fields = member(entry, "fieldsV1");
  const Value* metadata = fields ? member(*fields, "f:metadata") : nullptr;
  return metadata ? member(*metadata, "f:annotations") : nullptr;
}

// A fieldsV1 holding only the opt-out annotations `entry` owns, or null when it owns none.
std::optional<Value> opt_out_fields(const Value& entry, kube::Object::AllocatorType& allocator) {
  const Value* owned = owned_annotations(entry);
  if (owned == nullptr) return std::nullopt;
  Value annotations(rapidjson::kObjectType);
  for (const std::string_view name : kOptOutAnnotations) {
    const std::string field = field_name(name);
    if (member(*owned, field) == nullptr) continue;
    annotations.AddMember(Value(field.data(), static_cast<rapidjson::SizeType>(field.size()),
                                allocator),
                          Value(rapidjson::kObjectType), allocator);
  }
  if (annotations.MemberCount() == 0) return std::nullopt;
  Value metadata(rapidjson::kObjectType);
  metadata.AddMember("f:annotations", annotations, allocator);
  Value fields(rapidjson::kObjectType);
  fields.AddMember("f:metadata", metadata, allocator);
  return fields;
}

}  // namespace

bool applied_by(const Value& live, std::string_view manager) {
  const Value* metadata = member(live, "metadata");
  const Value* managed = metadata ? member(*metadata, "managedFields") : nullptr;
  if (managed == nullptr || !managed->IsArray()) return false;
  for (const Value& entry : managed->GetArray()) {
    if (is_apply_by(entry, manager)) return true;
  }
  return false;
}

std::string controller_of(const Value& live) {
  const Value* metadata = member(live, "metadata");
  const Value* owners = metadata ? member(*metadata, "ownerReferences") : nullptr;
  if (owners == nullptr || !owners->IsArray()) return {};
  for (const Value& owner : owners->GetArray()) {
    const Value* controller = member(owner, "controller");
    if (controller != nullptr && controller->IsBool() && controller->GetBool()) {
      return std::string(kube::string_at(owner, {"kind"})) + " " +
             std::string(kube::string_at(owner, {"name"}));
    }
  }
  return {};
}

// The managedFields of an object that ignore rules target (it carries their digests annotation),
// each entry reduced to manager, operation and fieldsV1: what ignore_rules.cpp reads to tell whose
// a field is. Taken out of `object`; null when it has none or is not targeted.
Value take_field_owners(kube::Object& object) {
  Value out;
  if (kube::string_at(object, {"metadata", "annotations", kIgnoredDigestsAnnotation}).empty()) {
    return out;
  }
  const auto metadata = object.FindMember("metadata");
  const auto managed = metadata->value.FindMember("managedFields");
  if (managed == metadata->value.MemberEnd() || !managed->value.IsArray()) return out;
  out.Swap(managed->value);
  for (Value& entry : out.GetArray()) {
    if (!entry.IsObject()) continue;
    for (auto m = entry.MemberBegin(); m != entry.MemberEnd();) {
      const std::string_view name(m->name.GetString(), m->name.GetStringLength());
      if (name == "manager" || name == "operation" || name == "fieldsV1") {
        ++m;
      } else {
        m = entry.EraseMember(m);
      }
    }
  }
  return out;
}

void keep_ownership_facts(kube::Object& object) {
  const bool steward_applied = applied_by(object, kFieldManager);
  auto& allocator = object.GetAllocator();
  // An object ignore rules target keeps every entry's field sets, steward's apply entry (and so
  // its opt-out annotations) among them.
  Value owners = take_field_owners(object);
  // Otherwise read before the transform drops managedFields; kept in the document's own allocator.
  std::optional<Value> opt_outs;
  if (steward_applied && !owners.IsArray()) {
    for (const Value& entry : object["metadata"]["managedFields"].GetArray()) {
      if (!is_apply_by(entry, kFieldManager)) continue;
      opt_outs = opt_out_fields(entry, allocator);
      if (opt_outs) break;
    }
  }
  informer::default_transform(object);
  if (owners.IsArray()) {
    object["metadata"].AddMember("managedFields", owners, object.GetAllocator());
    return;
  }
  if (!steward_applied) return;
  Value entry(rapidjson::kObjectType);
  entry.AddMember("manager", Value(rapidjson::StringRef(kFieldManager.data(), kFieldManager.size())),
                  allocator);
  entry.AddMember("operation", "Apply", allocator);
  if (opt_outs) entry.AddMember("fieldsV1", *opt_outs, allocator);
  Value managed(rapidjson::kArrayType);
  managed.PushBack(entry, allocator);
  object["metadata"].AddMember("managedFields", managed, allocator);
}

std::optional<std::string_view> applied_annotation(const Value& live, std::string_view manager,
                                                   std::string_view name) {
  const Value* metadata = member(live, "metadata");
  const Value* managed = metadata ? member(*metadata, "managedFields") : nullptr;
  if (managed == nullptr || !managed->IsArray()) return std::nullopt;
  const std::string field = field_name(name);
  for (const Value& entry : managed->GetArray()) {
    if (!is_apply_by(entry, manager)) continue;
    const Value* owned = owned_annotations(entry);
    if (owned == nullptr || member(*owned, field) == nullptr) continue;
    const Value* annotations = member(*metadata, "annotations");
    const Value* value = annotations ? member(*annotations, name) : nullptr;
    if (value == nullptr || !value->IsString()) return std::nullopt;
    return std::string_view(value->GetString(), value->GetStringLength());
  }
  return std::nullopt;
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
