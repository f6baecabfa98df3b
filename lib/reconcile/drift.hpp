#pragma once
// The drift rule: a live object has drifted from a desired one when a field the desired manifest
// sets is missing or different in the live object.
//
//   maps     every key the desired map sets must be present in the live map and match, recursively;
//            keys only the live map has (server defaults, status, other managers' fields) are fine
//   lists    same length, element by element
//   scalars  equal (numbers by value: 1 == 1.0; a string is never equal to a number)
//   null     a desired null means "absent": the live field must be absent or null
// At the top level `status` is ignored (servers drop it on apply for kinds with a status
// subresource), and so are server-owned metadata fields the manifest cannot meaningfully set.
//
// The server may normalise what it stores (cpu: 0.5 -> 500m). project() takes, after a successful
// apply, the live object's values at exactly the desired paths; comparing later live objects with
// that projection instead of the manifest makes a normalised value cost one apply, not a loop.

#include <rapidjson/document.h>

#include <string>

namespace steward::reconcile {

struct Drift {
  bool drifted = false;
  std::string path;    // the first differing field, e.g. ".spec.template.spec.containers[0].image"
  std::string reason;  // "missing", "differs", "length 2 != 3", ...
};

Drift find_drift(const rapidjson::Value& desired, const rapidjson::Value& live);

// The live object's values at the paths `desired` sets (absent where live has nothing), in
// `allocator`. A desired field the server dropped is left out, so it is not drift afterwards.
rapidjson::Value project(const rapidjson::Value& desired, const rapidjson::Value& live,
                         rapidjson::Document::AllocatorType& allocator);

// Whether every field where `live` drifts from `desired` lies in `owned`, a managedFields entry's
// fieldsV1 set (managed_fields.hpp): each differing value is owned itself, or lies in a list owned
// whole. A field missing from `live`, or set where `desired` says absent, never does; nor does
// `spec.replicas`, which the /scale subresource writes without recording it in managedFields
// (kube-apiserver 1.20: kubectl scale and an HPA leave the previous owner in place).
//
// Why it matters: any write by another manager that changes, adds or removes a field takes that
// field out of every other manager's set (structured-merge-diff, merge/update.go: Modified, Added
// and Removed are subtracted from the others'). So a field steward's Apply entry still owns holds
// what the server made of steward's own apply, and a difference there is the server's
// normalisation (cpu 0.5 stored as 500m), not drift. After a restart, with no memo, that tells a
// normalised object (nothing to write) from a changed one.
bool drift_within(const rapidjson::Value& desired, const rapidjson::Value& live,
                  const rapidjson::Value& owned);

}  // namespace steward::reconcile
