#include "reconcile/secret_mask.hpp"

#include <string_view>

#include "desired/apply_body.hpp"
#include "kube/object.hpp"
#include "reconcile/ignore_rules.hpp"

namespace steward::reconcile {
namespace {

using Allocator = rapidjson::Document::AllocatorType;

constexpr std::string_view kSame = "***";
constexpr std::string_view kBefore = "*** (before)";
constexpr std::string_view kAfter = "*** (after)";

// Core group only: a CRD of kind Secret in another group is not one.
bool is_secret(const rapidjson::Value* object) {
  return object != nullptr && object->IsObject() &&
         kube::string_at(*object, {"apiVersion"}) == "v1" &&
         kube::string_at(*object, {"kind"}) == "Secret";
}

rapidjson::Value* member(rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  const auto it =
      object.FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

void set(rapidjson::Value& value, std::string_view word, Allocator& allocator) {
  value.SetString(word.data(), static_cast<rapidjson::SizeType>(word.size()), allocator);
}

// Masks `side`'s values of the map `field`, each compared with `other`'s value of its key (other
// may be null: that side lacks the field). A field that is not a map is masked whole: it cannot
// be a valid Secret, but its text may still be a secret.
void mask_field(rapidjson::Value* side, const rapidjson::Value* other, std::string_view changed,
                Allocator& allocator) {
  if (side == nullptr || side->IsNull()) return;
  if (!side->IsObject()) {
    set(*side, kSame, allocator);
    return;
  }
  for (auto& entry : side->GetObject()) {
    const rapidjson::Value* counterpart = nullptr;
    if (other != nullptr && other->IsObject()) {
      const auto it = other->FindMember(entry.name);
      if (it != other->MemberEnd()) counterpart = &it->value;
    }
    const bool differs = counterpart != nullptr && *counterpart != entry.value;
    set(entry.value, differs ? changed : kSame, allocator);
  }
}

// The annotation `name` of `object`, or null. The desired-hash hashes the manifest and the
// ignored-digests hash ignored fields' values (ignore_rules.hpp), the Secret's values included, so
// a weak value could be guessed from either offline: both are masked like the values.
rapidjson::Value* annotation(rapidjson::Value* object, std::string_view name) {
  rapidjson::Value* metadata = object ? member(*object, "metadata") : nullptr;
  rapidjson::Value* annotations = metadata ? member(*metadata, "annotations") : nullptr;
  return annotations ? member(*annotations, name) : nullptr;
}

// A copy of `object` into `copy`, or null for a missing side.
rapidjson::Value* copy_into(rapidjson::Document& copy, const rapidjson::Value* object) {
  if (object == nullptr) return nullptr;
  copy.CopyFrom(*object, copy.GetAllocator());
  return &copy;
}

}  // namespace

SecretMask::SecretMask(const rapidjson::Value* before, const rapidjson::Value* after)
    : before_(before), after_(after) {
  if (!is_secret(before) && !is_secret(after)) return;
  rapidjson::Value* masked_before = copy_into(before_copy_, before);
  rapidjson::Value* masked_after = copy_into(after_copy_, after);
  for (const std::string_view field : {"data", "stringData"}) {
    rapidjson::Value* from = masked_before ? member(*masked_before, field) : nullptr;
    rapidjson::Value* to = masked_after ? member(*masked_after, field) : nullptr;
    // Each side is compared with the other's values before either is masked.
    const rapidjson::Value original_from =
        from ? rapidjson::Value(*from, before_copy_.GetAllocator()) : rapidjson::Value();
    mask_field(from, to, kBefore, before_copy_.GetAllocator());
    mask_field(to, from ? &original_from : nullptr, kAfter, after_copy_.GetAllocator());
  }
  for (const std::string_view name : {desired::kDesiredHashAnnotation, kIgnoredDigestsAnnotation}) {
    rapidjson::Value* hash_before = annotation(masked_before, name);
    rapidjson::Value* hash_after = annotation(masked_after, name);
    const bool hash_differs = hash_before && hash_after && *hash_before != *hash_after;
    if (hash_before) set(*hash_before, hash_differs ? kBefore : kSame, before_copy_.GetAllocator());
    if (hash_after) set(*hash_after, hash_differs ? kAfter : kSame, after_copy_.GetAllocator());
  }
  before_ = masked_before;
  after_ = masked_after;
}

}  // namespace steward::reconcile
