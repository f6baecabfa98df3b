#pragma once
// ResourceType: what discovery says about a kind, and the API paths built from it.
//
//   core group       /api/v1/...                 named groups   /apis/{group}/{version}/...
//   namespaced       .../namespaces/{ns}/{resource}[/{name}]   (ns empty: all namespaces)
//   cluster-scoped   .../{resource}[/{name}]

#include <string>
#include <string_view>

namespace steward::kube {

struct ResourceType {
  std::string group;     // "" for the core group
  std::string version;   // "v1"
  std::string resource;  // plural, lower case: "deployments"
  std::string kind;      // "Deployment"
  bool namespaced = true;
  // Discovery's `verbs` include "list" (true when a discovery document names no verbs: then a
  // list is tried rather than the kind passed over). bindings and localsubjectaccessreviews, for
  // two, can only be created.
  bool listable = true;
  // Discovery lists "<resource>/status": the status is written apart from the spec (for a custom
  // resource: its CRD declares subresources.status), so a controller is expected to set it.
  bool status_subresource = false;

  // "v1" or "apps/v1": the apiVersion of objects of this type.
  std::string api_version() const;
  // Path of the collection in `ns` (all namespaces, or cluster-scoped, when empty).
  std::string collection_path(std::string_view ns) const;
  // Path of one object. `ns` is ignored for cluster-scoped types.
  std::string object_path(std::string_view ns, std::string_view name) const;
  // "deployments.apps", "configmaps": how kubectl and the metrics name the resource.
  std::string qualified_resource() const;

  bool operator==(const ResourceType&) const = default;
};

// Splits an apiVersion into group and version: "apps/v1" -> {"apps", "v1"}, "v1" -> {"", "v1"}.
std::pair<std::string_view, std::string_view> split_api_version(std::string_view api_version);

// Percent-encodes a query parameter value (RFC 3986 unreserved characters stay as they are).
std::string url_encode(std::string_view value);

}  // namespace steward::kube
