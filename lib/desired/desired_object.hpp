#pragma once
// One object of the desired state: the manifest as JSON, where it was written, and its key.
//
// The key is (group, kind, namespace, name): what the manifest itself says. The loader cannot know
// the resource (plural) without discovery, and the version does not make a different object
// (apps/v1 and apps/v1beta1 Deployments named x are the same Deployment), so it is not part of the
// key.

#include <compare>
#include <cstddef>
#include <memory>
#include <string>

#include "desired/location.hpp"
#include "desired/apply_body.hpp"
#include "desired/opt_outs.hpp"
#include "kube/object.hpp"

namespace steward::desired {

struct ObjectKey {
  std::string group;  // "" for the core group
  std::string kind;
  std::string ns;     // "" for cluster-scoped objects (and for unknown-scope objects written without)
  std::string name;

  auto operator<=>(const ObjectKey&) const = default;
  bool operator==(const ObjectKey&) const = default;
  // "apps/Deployment default/web", "Namespace team-a": for messages and logs.
  std::string to_string() const;
};

// For unordered containers and the work queue, whose keys are ObjectKeys.
struct ObjectKeyHash {
  std::size_t operator()(const ObjectKey& key) const;
};

struct DesiredObject {
  kube::ObjectPtr object;  // immutable; shared with snapshots and workers
  ObjectKey key;
  std::string source;      // name of the source it was loaded from
  Location location;       // where the object starts
  // Discovery did not know the kind when the object was loaded (e.g. a CRD in the same source):
  // no namespace was defaulted, and whoever resolves the scope later must do it.
  bool scope_unknown = false;
  // What steward applies for it, and the digest of that (apply_body.hpp): made once, at load
  // (make_body), and reused by the reload diff (same_desired compares the digests), the drift memo
  // and the desired-hash annotation, so no later step writes the object's JSON again.
  ApplyBody body;
  // What the manifest's steward.dev/* annotations opt out of (opt_outs.hpp), read by make_body.
  OptOuts opt_outs;
};

// Makes `desired.body` from its object, key and source, labelled as a member of ApplySet
// `applyset` (its source's; none when empty), and reads its opt-outs. Whoever makes a
// DesiredObject calls it once the rest is set.
void make_body(DesiredObject& desired, std::string_view applyset);

using DesiredObjectPtr = std::shared_ptr<const DesiredObject>;

// `value` as compact JSON with object members sorted by name at every level, so two manifests
// that differ only in member order compare equal.
std::string canonical_json(const rapidjson::Value& value);


}  // namespace steward::desired
