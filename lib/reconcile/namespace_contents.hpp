#pragma once
// The check before steward prunes a Namespace (issue 17): deleting a Namespace deletes everything
// in it, so steward deletes one only if it holds nothing steward did not make.
//
// For each namespaced resource discovery lists and that can be listed (one version per group and
// resource), one list with `limit=1`; a page that holds only what the check lets pass and says
// more follow (`continue`) is followed with small pages, and only for that resource. What passes:
//   - this instance's objects, as for a prune (plan.hpp): members of one of its inventories with
//     steward's Apply in managedFields (the caller's `ours`); another instance's are not;
//   - what every namespace gets without anyone asking (made_for_every_namespace below);
//   - Events, which are not listed at all: every component writes them about the objects it
//     handles (steward too, about the very objects it prunes from the namespace), and the
//     namespace controller deletes them with it.
// Anything else blocks, and so does a resource that cannot be listed (403, say): steward cannot
// tell what is there. A check, not a lock: something created between it and the delete goes
// with the Namespace.
//
// A Namespace whose live object carries the annotation `steward.dev/prune: namespace-contents`,
// written by steward's own apply, is pruned without the check. It is read from the live Namespace
// because its manifest is gone by the time it is pruned, and only where steward's Apply entry in
// managedFields owns it (ownership.hpp, applied_annotation), so only a manifest put it there: a
// `kubectl annotate` is kubectl's field, and an annotation on a live object never widens a delete.

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/client.hpp"
#include "kube/object.hpp"
#include "kube/resource.hpp"

namespace steward::reconcile {

inline constexpr std::string_view kPruneAnnotation = "steward.dev/prune";
// kPruneAnnotation's value that prunes a Namespace whatever it holds.
inline constexpr std::string_view kPruneNamespaceContents = "namespace-contents";

// Whether the live Namespace opts out of the check (kPruneAnnotation: kPruneNamespaceContents,
// owned by steward's apply).
bool prunes_with_contents(const rapidjson::Value& live_namespace);

// What the check lists of `served` (discovery's resources): the namespaced, listable ones, one
// version per group and resource, Events left out.
std::vector<kube::ResourceType> resources_to_check(const std::vector<kube::ResourceType>& served);

// Whether `item` of `type` is something every namespace gets from kube-controller-manager
// (v1.20) as soon as it is created: the ServiceAccount `default`, its token Secret, and the
// ConfigMap `kube-root-ca.crt`. Were these to block, no real Namespace could ever be pruned.
bool made_for_every_namespace(const kube::ResourceType& type, const rapidjson::Value& item);

struct NamespaceContents {
  // What steward did not make, one per resource at most: "ConfigMap team/foreign".
  std::vector<std::string> foreign;
  // The resources that could not be listed, with why: "secrets: 403 Forbidden: ...".
  std::vector<std::string> unlisted;

  bool empty() const { return foreign.empty() && unlisted.empty(); }
  // "Namespace team kept: it holds ConfigMap team/foreign, which steward did not make (...)"
  std::string describe(std::string_view ns) const;
};

// Whether a live object is this instance's to prune.
using Ours = std::function<bool(const rapidjson::Value& object)>;

// Lists each of `resources` in namespace `ns` as said above.
boost::asio::awaitable<NamespaceContents> check_namespace_contents(
    kube::Client& client, std::vector<kube::ResourceType> resources, std::string ns, Ours ours);

}  // namespace steward::reconcile
