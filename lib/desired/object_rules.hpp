#pragma once
// The name rules the API server applies, checked offline so `steward validate` and a reload catch
// them with a file and line instead of a 422 later.
//
// Which rule (from k8s.io/apimachinery validation and the kinds' strategies):
//  - Namespace, and a namespace named in metadata.namespace: DNS-1123 label (at most 63 of
//    [a-z0-9-], starting and ending alphanumeric). Service names are also labels.
//  - RBAC kinds (Role, ClusterRole, RoleBinding, ClusterRoleBinding in rbac.authorization.k8s.io):
//    path segment names (anything but "." and "..", without '/' or '%'), because their names
//    carry colons ("system:controller:x").
//  - Everything else: DNS-1123 subdomain (at most 253 of [a-z0-9.-], each dot-separated part
//    starting and ending alphanumeric). This is the rule for most built-in kinds and for custom
//    resources; a kind with a looser rule of its own would be rejected here, which is safe.

#include <string>
#include <string_view>

namespace steward::desired {

bool is_dns1123_label(std::string_view value);
bool is_dns1123_subdomain(std::string_view value);
bool is_path_segment_name(std::string_view value);

// An error message for `name` as the name of a `group`/`kind` object, or "" when it is valid.
std::string check_object_name(std::string_view group, std::string_view kind, std::string_view name);

}  // namespace steward::desired
