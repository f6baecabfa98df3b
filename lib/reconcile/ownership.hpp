#pragma once
// Ownership: how steward recognises its own objects in the cluster. The marks it writes on every
// object it applies (a label and two annotations) are part of the apply body made at load
// (desired/apply_body.hpp, which says what each is for); this is the reading side.

#include <string>
#include <string_view>
#include <vector>

#include "desired/apply_body.hpp"
#include "desired/desired_object.hpp"
#include "kube/object.hpp"

namespace steward::reconcile {

using desired::ApplyBody;
using desired::kDesiredHashAnnotation;
using desired::kManagedByLabel;
using desired::kManagedByValue;
using desired::kSourceAnnotation;
// The informers' selector: only objects steward manages are cached.
inline constexpr std::string_view kOwnershipSelector = "app.kubernetes.io/managed-by=steward";

// The source named by a live object that carries steward's label and source annotation, or empty
// when the object is not steward's.
std::string_view owning_source(const rapidjson::Value& live);

// The informers' store index of steward's objects by owning source (informer/store.hpp): the prune
// guard and the managed-objects gauge read one source's objects without walking every cache.
inline constexpr std::string_view kSourceIndex = "steward.dev/source";
std::vector<std::string> source_index(const rapidjson::Value& live);

// The live object's desired-hash annotation, or empty.
std::string_view applied_hash(const rapidjson::Value& live);

// The key of a live (or desired) object: group from apiVersion, kind, namespace, name.
desired::ObjectKey key_of(const rapidjson::Value& object);

}  // namespace steward::reconcile
