#include "registry.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <tuple>

namespace steward::testapi {

namespace {
const std::vector<std::string> kAllVerbs = {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
const std::vector<std::string> kNoCollectionDelete = {"create", "delete", "get", "list", "patch", "update", "watch"};

ResourceType builtin(std::string group, std::string resource, std::string kind, bool namespaced,
                     std::vector<std::string> verbs, std::vector<std::string> short_names,
                     std::string storage_group, std::string storage_version) {
  ResourceType t;
  t.group = std::move(group);
  t.version = "v1";
  t.resource = std::move(resource);
  t.kind = std::move(kind);
  t.list_kind = t.kind + "List";
  t.namespaced = namespaced;
  t.verbs = std::move(verbs);
  t.short_names = std::move(short_names);
  t.storage_version_hash = storage_version_hash(storage_group, storage_version, t.kind);
  return t;
}
}  // namespace

bool ResourceType::has_verb(const std::string& verb) const {
  return std::find(verbs.begin(), verbs.end(), verb) != verbs.end();
}

Registry::Registry() {
  types_.push_back(builtin("", "configmaps", "ConfigMap", true, kAllVerbs, {"cm"}, "", "v1"));
  types_.push_back(builtin("", "events", "Event", true, kAllVerbs, {"ev"}, "", "v1"));
  types_.push_back(builtin("", "namespaces", "Namespace", false, kNoCollectionDelete, {"ns"}, "", "v1"));
  types_.push_back(builtin("", "secrets", "Secret", true, kAllVerbs, {}, "", "v1"));
  types_.push_back(builtin("", "serviceaccounts", "ServiceAccount", true, kAllVerbs, {"sa"}, "", "v1"));
  auto svc = builtin("", "services", "Service", true, kNoCollectionDelete, {"svc"}, "", "v1");
  svc.categories = {"all"};
  svc.status_subresource = true;
  types_.push_back(svc);
  auto deploy = builtin("apps", "deployments", "Deployment", true, kAllVerbs, {"deploy"}, "apps", "v1");
  deploy.categories = {"all"};
  deploy.has_generation = true;
  deploy.status_subresource = true;
  deploy.scale_subresource = true;
  types_.push_back(deploy);
  // events.k8s.io Events are stored as core Events by the real server, hence the core hash.
  types_.push_back(builtin("events.k8s.io", "events", "Event", true, kAllVerbs, {"ev"}, "", "v1"));
  // RBAC: the kinds steward applies right after Namespaces and CRDs (its apply order).
  for (const auto& [resource, kind, namespaced] :
       {std::tuple{"clusterrolebindings", "ClusterRoleBinding", false},
        std::tuple{"clusterroles", "ClusterRole", false},
        std::tuple{"rolebindings", "RoleBinding", true}, std::tuple{"roles", "Role", true}}) {
    types_.push_back(builtin("rbac.authorization.k8s.io", resource, kind, namespaced, kAllVerbs, {},
                             "rbac.authorization.k8s.io", "v1"));
  }
  // 1.20 still stores CRDs and Leases as v1beta1: their storageVersionHash says so.
  auto crd = builtin("apiextensions.k8s.io", "customresourcedefinitions", "CustomResourceDefinition", false,
                     kAllVerbs, {"crd", "crds"}, "apiextensions.k8s.io", "v1beta1");
  crd.categories = {"api-extensions"};
  crd.has_generation = true;
  crd.status_subresource = true;
  types_.push_back(crd);
  types_.push_back(builtin("coordination.k8s.io", "leases", "Lease", true, kAllVerbs, {}, "coordination.k8s.io", "v1beta1"));
}

const ResourceType* Registry::find(const std::string& group, const std::string& version,
                                   const std::string& resource) const {
  for (const auto& t : types_)
    if (t.group == group && t.version == version && t.resource == resource) return &t;
  return nullptr;
}

const ResourceType* Registry::find_kind(const std::string& group, const std::string& version,
                                        const std::string& kind) const {
  for (const auto& t : types_)
    if (t.group == group && t.version == version && t.kind == kind) return &t;
  return nullptr;
}

bool Registry::serves_group_version(const std::string& group, const std::string& version) const {
  return std::any_of(types_.begin(), types_.end(),
                     [&](const ResourceType& t) { return t.group == group && t.version == version; });
}

void Registry::add(ResourceType type) { types_.push_back(std::move(type)); }

void Registry::remove(const std::string& group, const std::string& resource) {
  std::erase_if(types_, [&](const ResourceType& t) { return t.group == group && t.resource == resource; });
}

std::string storage_version_hash(const std::string& group, const std::string& version, const std::string& kind) {
  std::string gvk = group + "/" + version + "/" + kind;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(gvk.data()), gvk.size(), digest);
  unsigned char out[16] = {};
  int n = EVP_EncodeBlock(out, digest, 8);
  return std::string(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
}

}  // namespace steward::testapi
