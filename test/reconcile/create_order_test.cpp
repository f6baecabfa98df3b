// CreateOrder over a scripted LiveView: which objects of earlier apply tiers hold a create back.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "reconcile/create_order.hpp"

using namespace steward;
using desired::ObjectKey;
using reconcile::CreateOrder;
using reconcile::LiveLookup;
using reconcile::Result;

namespace {

const ObjectKey kNamespace{"", "Namespace", "", "team"};
const ObjectKey kCrd{"apiextensions.k8s.io", "CustomResourceDefinition", "", "gadgets.example.com"};
const ObjectKey kServiceAccount{"", "ServiceAccount", "team", "runner"};
const ObjectKey kBinding{"rbac.authorization.k8s.io", "RoleBinding", "team", "runner"};
const ObjectKey kConfigMap{"", "ConfigMap", "team", "app"};
const ObjectKey kIamRole{"iam.example.com", "Role", "team", "x"};  // not RBAC: an ordinary object

std::string api_version(const ObjectKey& key) {
  return key.group.empty() ? "v1" : key.group + "/v1";
}

std::shared_ptr<const desired::DesiredState> snapshot(const std::vector<ObjectKey>& keys) {
  desired::SourceObjects source{.name = "s"};
  for (const auto& key : keys) {
    auto object = std::make_shared<kube::Object>();
    object->Parse(("{\"apiVersion\":\"" + api_version(key) + "\",\"kind\":\"" + key.kind + "\"}").c_str());
    source.objects.push_back(std::make_shared<desired::DesiredObject>(
        desired::DesiredObject{.object = object, .key = key, .source = "s"}));
  }
  return std::make_shared<desired::DesiredState>(std::vector<desired::SourceObjects>{source});
}

// Every kind served and synced; objects are absent unless put there.
struct FakeLive final : reconcile::LiveView {
  std::set<ObjectKey> present;
  std::set<ObjectKey> unsynced;
  std::set<std::string> unserved;  // kinds
  LiveLookup find(const ObjectKey& key) const override {
    if (unserved.count(key.kind) != 0) return {};
    LiveLookup lookup{kube::ResourceType{key.group, "v1", "things", key.kind, !key.ns.empty()},
                      unsynced.count(key) == 0, nullptr};
    if (present.count(key) != 0 && lookup.synced) lookup.object = std::make_shared<kube::Object>();
    return lookup;
  }
};

}  // namespace

TEST_CASE("a create waits for every absent object of an earlier tier, and only of an earlier one") {
  const auto state = snapshot({kNamespace, kCrd, kServiceAccount, kBinding, kConfigMap, kIamRole});
  FakeLive live;
  CreateOrder order;
  // Namespaces and CRDs wait for nothing.
  CHECK_FALSE(order.awaited(state, kNamespace, live));
  CHECK_FALSE(order.awaited(state, kCrd, live));
  // ServiceAccounts and RBAC wait for those; the rest for those and for ServiceAccounts and RBAC.
  CHECK(order.awaited(state, kServiceAccount, live).has_value());
  CHECK(order.awaited(state, kConfigMap, live).has_value());
  CHECK(order.awaited(state, kIamRole, live).has_value());
  live.present = {kNamespace, kCrd};
  CHECK_FALSE(order.awaited(state, kServiceAccount, live));
  CHECK_FALSE(order.awaited(state, kBinding, live));
  CHECK(order.awaited(state, kConfigMap, live) == kServiceAccount);
  live.present.insert(kServiceAccount);
  CHECK(order.awaited(state, kConfigMap, live) == kBinding);
  live.present.insert(kBinding);
  CHECK_FALSE(order.awaited(state, kConfigMap, live));
  CHECK_FALSE(order.awaited(state, kIamRole, live));
}

TEST_CASE("an earlier-tier object stops holding creates back once it settled, even as a permanent error") {
  const auto state = snapshot({kNamespace, kServiceAccount, kConfigMap});
  FakeLive live;
  CreateOrder order;
  // A dry run creates nothing, yet its create settles the Namespace.
  order.record(kNamespace, Result::kCreated);
  CHECK(order.awaited(state, kConfigMap, live) == kServiceAccount);
  // Still retrying: it holds on; failed for good: waiting would be for ever.
  order.record(kServiceAccount, Result::kTransientError);
  CHECK(order.awaited(state, kConfigMap, live) == kServiceAccount);
  order.record(kServiceAccount, Result::kPermanentError);
  CHECK_FALSE(order.awaited(state, kConfigMap, live));
}

TEST_CASE("an earlier-tier object in a cache not synced holds creates back, one of a kind not served does not") {
  const auto state = snapshot({kNamespace, kServiceAccount, kConfigMap});
  FakeLive live;
  live.present = {kNamespace, kServiceAccount};
  live.unsynced = {kServiceAccount};
  CreateOrder order;
  CHECK(order.awaited(state, kConfigMap, live) == kServiceAccount);
  live.unserved = {"ServiceAccount"};
  CHECK_FALSE(order.awaited(state, kConfigMap, live));
}

TEST_CASE("each snapshot is judged afresh: a new earlier-tier object holds creates back again") {
  FakeLive live;
  CreateOrder order;
  const auto first = snapshot({kNamespace, kConfigMap});
  live.present = {kNamespace};
  CHECK_FALSE(order.awaited(first, kConfigMap, live));
  const auto second = snapshot({kNamespace, kServiceAccount, kConfigMap});
  CHECK(order.awaited(second, kConfigMap, live) == kServiceAccount);
}
