#pragma once
// ApplySets (KEP-3659, kubectl's `apply --applyset`): the standard inventory of what one tool
// applied. Each source of each steward instance is one ApplySet; its parent object is a Secret in
// steward's namespace (reconcile/inventory.hpp writes it), and every object the source applies
// carries the ApplySet's id in a label (apply_body.hpp). The id is kubectl's formula, so kubectl
// and other tools find the same set:
//
//   applyset-<base64url(sha256("<name>.<namespace>.Secret."))>-v1
//
// (name, namespace, kind and group of the parent joined by '.', the core group being "").

#include <string>
#include <string_view>

namespace steward::desired {

inline constexpr std::string_view kPartOfLabel = "applyset.kubernetes.io/part-of";
inline constexpr std::string_view kApplySetIdLabel = "applyset.kubernetes.io/id";
inline constexpr std::string_view kToolingAnnotation = "applyset.kubernetes.io/tooling";
inline constexpr std::string_view kContainsGroupKindsAnnotation =
    "applyset.kubernetes.io/contains-group-kinds";
inline constexpr std::string_view kAdditionalNamespacesAnnotation =
    "applyset.kubernetes.io/additional-namespaces";

// The instance a config names when it names none (config's `instance`); the one that claims
// objects a steward before inventories applied (they carry no part-of label).
inline constexpr std::string_view kDefaultInstance = "steward";

// The parent Secret of `source` of steward instance `instance`: "steward-<instance>-<source>".
std::string applyset_parent_name(std::string_view instance, std::string_view source);

// The id of the ApplySet whose parent is the Secret `name` in `ns`.
std::string applyset_id(std::string_view name, std::string_view ns);

}  // namespace steward::desired
