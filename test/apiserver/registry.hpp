// The resource types the server serves: built-ins fixed at start, custom resources added and removed
// with their CustomResourceDefinitions. Discovery, routing and storage all read this one table.
#pragma once

#include <string>
#include <vector>

namespace steward::testapi {

struct ResourceType {
  std::string group;  // "" for the core group
  std::string version;
  std::string resource;  // plural, the URL segment
  std::string singular;  // "" for built-ins, as the 1.20 server reports them
  std::string kind;
  std::string list_kind;
  bool namespaced = true;
  std::vector<std::string> verbs;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  bool builtin = true;             // built-in list items carry no kind/apiVersion of their own
  bool has_generation = false;     // metadata.generation kept (Deployment, CRD, custom resources)
  bool status_subresource = false; // main-resource writes keep status; /status writes only status
  bool scale_subresource = false;  // /scale reads and writes spec.replicas as an autoscaling/v1 Scale
  std::string storage_version_hash;

  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  // All versions of one resource share storage (custom resources with several served versions).
  std::string storage_key() const { return group + "/" + resource; }
  bool has_verb(const std::string& verb) const;
};

class Registry {
 public:
  // Loads the built-in kinds this server imitates.
  Registry();

  const ResourceType* find(const std::string& group, const std::string& version, const std::string& resource) const;
  const ResourceType* find_kind(const std::string& group, const std::string& version, const std::string& kind) const;
  bool serves_group_version(const std::string& group, const std::string& version) const;

  void add(ResourceType type);
  // Removes every version of group/resource.
  void remove(const std::string& group, const std::string& resource);

  // In registration order: the order discovery lists them.
  const std::vector<ResourceType>& all() const { return types_; }

 private:
  std::vector<ResourceType> types_;
};

// base64(sha256("group/version/kind")[:8]), as apiserver's discovery computes storageVersionHash.
std::string storage_version_hash(const std::string& group, const std::string& version, const std::string& kind);

}  // namespace steward::testapi
