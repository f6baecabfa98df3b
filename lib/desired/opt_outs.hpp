#pragma once
// Opt-outs: annotations a manifest (the desired object, never the live one) sets to make steward
// do less with one object (issue #18). Read once, at load; an unknown value is a load error at the
// annotation's file:line, so a typo never silently turns an opt-out off.
//
//   steward.dev/reconcile: disabled       created if missing, then never updated, reverted or pruned
//   steward.dev/prune: disabled           never pruned: kept (and released from the inventory) when
//                                         it leaves the source
//   steward.dev/prune: namespace-contents a Namespace pruned without its contents check
//                                         (reconcile/namespace_contents.hpp)
//   steward.dev/ssa: IfNotPresent         created if missing, then left alone (Flux's semantics)
//   steward.dev/force: enabled            an apply refused because a field is immutable (422)
//                                         deletes and re-creates the object
//
// Why only the manifest: a user must not be able to disarm steward by annotating a live object.
// The live object's copy of these annotations matters only once the manifest is gone (a prune
// decision), and only where steward's own apply wrote it (reconcile/opt_outs.hpp says how).

#include <optional>
#include <string>
#include <string_view>

#include "kube/object.hpp"

namespace steward::desired {

inline constexpr std::string_view kReconcileAnnotation = "steward.dev/reconcile";
inline constexpr std::string_view kPruneAnnotation = "steward.dev/prune";
inline constexpr std::string_view kSsaAnnotation = "steward.dev/ssa";
inline constexpr std::string_view kForceAnnotation = "steward.dev/force";

inline constexpr std::string_view kDisabled = "disabled";
inline constexpr std::string_view kPruneNamespaceContents = "namespace-contents";
inline constexpr std::string_view kIfNotPresent = "IfNotPresent";
inline constexpr std::string_view kEnabled = "enabled";

struct OptOuts {
  bool reconcile_disabled = false;  // steward.dev/reconcile: disabled
  bool prune_disabled = false;      // steward.dev/prune: disabled
  bool if_not_present = false;      // steward.dev/ssa: IfNotPresent
  bool force_recreate = false;      // steward.dev/force: enabled

  // Created if missing and never written again.
  bool create_only() const { return reconcile_disabled || if_not_present; }
  // Never deleted by a prune.
  bool keeps() const { return reconcile_disabled || prune_disabled; }
  bool any() const { return reconcile_disabled || prune_disabled || if_not_present || force_recreate; }
  bool operator==(const OptOuts&) const = default;
};

// One bad annotation: which (its JSON pointer under the object, for the error's place) and why.
struct OptOutError {
  std::string annotation;  // e.g. "steward.dev/ssa"
  std::string message;     // "steward.dev/ssa must be IfNotPresent, got \"Always\""
};

// The opt-outs `annotations` (a manifest's metadata.annotations, an object of strings, or null)
// ask for; the first unknown value is an error.
struct ReadOptOuts {
  OptOuts opt_outs;
  std::optional<OptOutError> error;
};
ReadOptOuts read_opt_outs(const rapidjson::Value* annotations);

// The opt-outs of a desired object's manifest (its metadata.annotations), assumed valid (they
// were checked at load): for objects made without the loader (tests, rescope).
OptOuts opt_outs_of(const rapidjson::Value& manifest);

// "reconcile: disabled, prune: disabled": for log lines and diffs. Empty when none.
std::string describe(const OptOuts& opt_outs);

}  // namespace steward::desired
