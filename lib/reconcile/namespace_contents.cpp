#include "reconcile/namespace_contents.hpp"

#include <set>
#include <utility>

#include "reconcile/ownership.hpp"

namespace steward::reconcile {
namespace {

// The page size after a first page of one item that let the check pass: what a fresh namespace
// holds of one resource for nobody in particular is one or two objects (a ServiceAccount's token
// Secrets), so a few more settle most resources with one more request.
constexpr int kNextPageLimit = 5;
// How many objects and resources describe() names; the rest are counted.
constexpr std::size_t kNamed = 3;

bool is(const kube::ResourceType& type, std::string_view group, std::string_view resource) {
  return type.group == group && type.resource == resource;
}

// "a, b, c and 2 more"
std::string named(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < kNamed; ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  if (items.size() > kNamed) out += " and " + std::to_string(items.size() - kNamed) + " more";
  return out;
}

bool passes(const kube::ResourceType& type, const rapidjson::Value& item, const Ours& ours) {
  return ours(item) || made_for_every_namespace(type, item);
}

}  // namespace

bool prunes_with_contents(const rapidjson::Value& live_namespace) {
  return applied_annotation(live_namespace, kFieldManager, kPruneAnnotation) ==
         kPruneNamespaceContents;
}

std::vector<kube::ResourceType> resources_to_check(const std::vector<kube::ResourceType>& served) {
  std::vector<kube::ResourceType> out;
  std::set<std::pair<std::string, std::string>> seen;  // (group, resource): versions are one set
  for (const auto& type : served) {
    if (!type.namespaced || !type.listable) continue;
    if (is(type, "", "events") || is(type, "events.k8s.io", "events")) continue;
    if (seen.emplace(type.group, type.resource).second) out.push_back(type);
  }
  return out;
}

bool made_for_every_namespace(const kube::ResourceType& type, const rapidjson::Value& item) {
  const std::string_view name = kube::string_at(item, {"metadata", "name"});
  // The service account controller ensures ServiceAccount "default" in every namespace
  // (pkg/controller/serviceaccount/serviceaccounts_controller.go,
  // DefaultServiceAccountsControllerOptions).
  if (is(type, "", "serviceaccounts")) return name == "default";
  // The root CA publisher puts the cluster's CA bundle in every namespace as ConfigMap
  // "kube-root-ca.crt" (pkg/controller/certificates/rootcacertpublisher/publisher.go,
  // RootCACertConfigMapName; feature RootCAConfigMap, beta and on in 1.20).
  if (is(type, "", "configmaps")) return name == "kube-root-ca.crt";
  // The tokens controller gives ServiceAccount "default" a token Secret "default-token-xxxxx" of
  // type kubernetes.io/service-account-token, annotated with the account's name
  // (pkg/controller/serviceaccount/tokens_controller.go, createSecret). Matched by type and
  // annotation, as the name is random.
  if (is(type, "", "secrets")) {
    return kube::string_at(item, {"type"}) == "kubernetes.io/service-account-token" &&
           kube::string_at(item, {"metadata", "annotations",
                                  "kubernetes.io/service-account.name"}) == "default";
  }
  return false;
}

std::string NamespaceContents::describe(std::string_view ns) const {
  std::string out = "Namespace " + std::string(ns) + " kept: ";
  if (!foreign.empty()) out += "it holds " + named(foreign) + ", which steward did not make";
  if (!unlisted.empty()) {
    if (!foreign.empty()) out += "; ";
    out += "cannot list " + named(unlisted);
  }
  out += " (prune it with its contents: annotate the Namespace " + std::string(kPruneAnnotation) +
         ": " + std::string(kPruneNamespaceContents) + ")";
  return out;
}

boost::asio::awaitable<NamespaceContents> check_namespace_contents(
    kube::Client& client, std::vector<kube::ResourceType> resources, std::string ns,
    Ours ours) {
  NamespaceContents contents;
  for (const auto& type : resources) {
    kube::ListOptions options;
    options.limit = 1;
    for (;;) {
      const kube::ListReply page = co_await client.list(type, ns, options);
      // Not found: the resource went away since discovery was read (a CRD deleted), and its
      // objects with it; or, like 405, a resource with no list after all. The namespace
      // controller reads both as "nothing to delete"
      // (pkg/controller/namespace/deletion/namespaced_resources_deleter.go, listCollection).
      if (!page.ok() && (page.error->is_not_found() ||
                         page.error->reason() == kube::Reason::MethodNotAllowed)) {
        break;
      }
      if (!page.ok()) {
        contents.unlisted.push_back(type.qualified_resource() + " (" + page.error->to_string() +
                                    ")");
        break;
      }
      const rapidjson::Value* blocker = nullptr;
      for (const auto& item : page.items) {
        if (!passes(type, *item, ours)) {
          blocker = item.get();
          break;
        }
      }
      if (blocker != nullptr) {
        contents.foreign.push_back(type.kind + " " + ns + "/" +
                                   std::string(kube::string_at(*blocker, {"metadata", "name"})));
        break;
      }
      if (page.continue_token.empty()) break;
      options.continue_token = page.continue_token;
      options.limit = kNextPageLimit;
    }
  }
  co_return contents;
}

}  // namespace steward::reconcile
