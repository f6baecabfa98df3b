#pragma once
// Ownership: what steward writes on every object it applies, and how it recognises its own
// objects later.
//
//   label       app.kubernetes.io/managed-by: steward     the informers' label selector, and half
//                                                         of the prune test
//   annotation  steward.dev/source: <source name>         which source the object came from; prune
//                                                         only touches sources of this instance
//   annotation  steward.dev/desired-hash: <hash>          what steward last applied: after a
//                                                         restart (no drift memo in memory) a live
//                                                         object carrying the hash of the current
//                                                         desired object was applied from it, so a
//                                                         difference is normalisation or someone
//                                                         else's edit, not a new desired state
//
// The apply body is the manifest with those three added and the server-owned metadata a manifest
// copied from `kubectl get -o yaml` may carry removed (a stale resourceVersion in an apply body is a
// precondition that fails with 409).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "desired/desired_object.hpp"
#include "kube/object.hpp"

namespace steward::reconcile {

inline constexpr std::string_view kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr std::string_view kManagedByValue = "steward";
inline constexpr std::string_view kSourceAnnotation = "steward.dev/source";
inline constexpr std::string_view kDesiredHashAnnotation = "steward.dev/desired-hash";
// The informers' selector: only objects steward manages are cached.
inline constexpr std::string_view kOwnershipSelector = "app.kubernetes.io/managed-by=steward";

struct ApplyBody {
  std::shared_ptr<const kube::Object> object;  // what is sent with server-side apply
  std::string hash;                            // the value of the desired-hash annotation
};

// The body steward applies for `desired` (namespace as in the desired object's key).
ApplyBody make_apply_body(const desired::DesiredObject& desired);

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
