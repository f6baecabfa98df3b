#pragma once
// The apply body: what steward sends with server-side apply for one desired object, made once when
// the object is loaded, with the one hash every later comparison reuses.
//
// The body is the manifest with steward's ownership marks added and the server-owned metadata a
// manifest copied from `kubectl get -o yaml` may carry removed (a stale resourceVersion in an
// apply body is a precondition that fails with 409):
//
//   label       app.kubernetes.io/managed-by: steward     the informers' label selector
//   label       applyset.kubernetes.io/part-of: <id>      the source's ApplySet (applyset.hpp): the
//                                                         inventory this object is a member of;
//                                                         prune only touches its own set's members
//   annotation  steward.dev/source: <source name>         which source the object came from (for
//                                                         people, and for objects applied before
//                                                         ApplySets, which have no part-of label)
//   annotation  steward.dev/desired-hash: <hash>          what steward last applied: after a
//                                                         restart (no drift memo in memory) a live
//                                                         object carrying the hash of the current
//                                                         desired object was applied from it, so a
//                                                         difference is normalisation or someone
//                                                         else's edit, not a new desired state
//
// The digest is SHA-256 of the body's canonical JSON (desired_object.hpp) without the hash
// annotation: it covers the manifest, the namespace and the source, so two desired objects are the
// same desired state exactly when their digests are equal (the reload diff and the drift memo
// compare 32 bytes), and its first 128 bits in hex are the annotation's value.

#include <memory>
#include <string>
#include <string_view>

#include "desired/applyset.hpp"
#include "desired/sha256.hpp"
#include "kube/object.hpp"

namespace steward::desired {

inline constexpr std::string_view kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr std::string_view kManagedByValue = "steward";
inline constexpr std::string_view kSourceAnnotation = "steward.dev/source";
inline constexpr std::string_view kDesiredHashAnnotation = "steward.dev/desired-hash";

struct ApplyBody {
  // What is sent with server-side apply; frozen (kube/frozen_object.hpp): held for every desired
  // object as long as it is desired, so in as few bytes as it takes.
  kube::ObjectPtr object;
  Sha256 digest{};                             // SHA-256 of its canonical JSON, without `hash`
  std::string hash;                            // the value of the desired-hash annotation
};

// The body for `manifest` of source `source`, its namespace set to `ns` when not empty, labelled
// as a member of ApplySet `applyset` when that is not empty.
ApplyBody make_apply_body(const rapidjson::Value& manifest, std::string_view ns,
                          std::string_view source, std::string_view applyset);

}  // namespace steward::desired
