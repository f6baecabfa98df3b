#pragma once
// KindSet: the kinds the desired state names, each watched through the informer manager, and the
// live view the reconciler reads from their caches.
//
// One version per group and kind is watched (a second version of a kind is the same objects).
// Every add, update and delete of a cached object enqueues its key. Kinds that leave the desired
// state keep their informer while its cache still holds objects of steward's (they may have to be
// pruned); a later update() releases it. A key whose reconcile waits for its kind's cache is
// parked here and enqueued again when that cache syncs, rather than retried with a per-key backoff
// that grows for as long as the cache is missing: after an API server outage of minutes at start it
// would otherwise be created minutes after the sync, and hundreds of waiting keys would drain the
// queue's token bucket for every other retry.
//
// The caches index steward's objects by inventory (ownership.hpp, kMemberIndex), so the prune
// guard and the managed-objects gauge read one source's objects without walking every cache.
// Thread-safe.

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "desired/desired_state.hpp"
#include "informer/informer_manager.hpp"
#include "reconcile/live_view.hpp"

namespace steward::reconcile {

class KindSet final : public LiveView {
 public:
  using Enqueue = std::function<void(const desired::ObjectKey&)>;

  // `options.indexes` gets the member index added, and `options.transform` is
  // keep_ownership_facts (ownership.hpp).
  KindSet(boost::asio::io_context& io, kube::Client& client, kube::Discovery& discovery,
          informer::InformerManagerOptions options, Enqueue enqueue);

  // Watches every kind of `state` and every listed kind; releases the others whose caches hold
  // nothing.
  void update(const desired::DesiredState& state);
  // The kinds the sources' inventories list (inventory_keeper.hpp), watched whether desired or
  // not, as (apiVersion, kind); then update(state).
  void set_listed(std::set<desired::DesiredState::TypeRef> listed,
                  const desired::DesiredState& state);
  // Whether the kind has an informer whose cache has synced.
  bool synced(const std::string& api_version, const std::string& kind) const;
  LiveLookup find(const desired::ObjectKey& key) const override;
  // Enqueues `key` again once its kind's cache has synced (at once if it has already).
  void park(const desired::ObjectKey& key);

  // Every kind with an informer has synced. A kind not served has none, and is not waited for.
  bool served_synced() const;
  // Every kind with an informer has synced, and every kind without one is defined by a
  // CustomResourceDefinition of `state`: in a dry run, which never creates that CRD, all there is
  // to wait for.
  bool synced_or_planned(const desired::DesiredState& state) const;
  // Calls visit(object) for every cached object of steward's whose member key (ownership.hpp) is
  // one of `members`.
  void visit_members(const std::vector<std::string>& members,
                     const std::function<void(const rapidjson::Value&)>& visit) const;
  // Every cached object in namespace `ns` (under each cache's read lock: `visit` must be quick
  // and must not call back into the kind set), or of `group` `kind` (none when it is not watched).
  void visit_namespace(std::string_view ns, const Visit& visit) const override;
  void visit_kind(std::string_view group, std::string_view kind,
                  const Visit& visit) const override;
  // Cached objects of steward's whose member key is one of `members`, by resource
  // ("deployments.apps"); 0 for a watched kind with none.
  std::map<std::string, double> count_by_resource(const std::vector<std::string>& members) const;

  informer::InformerManager& informers() { return informers_; }
  const informer::InformerManager& informers() const { return informers_; }
  // Stops every informer; update() does nothing afterwards.
  void stop();

 private:
  using GroupKind = std::pair<std::string, std::string>;
  using Kinds = std::vector<std::pair<std::string, std::string>>;  // (apiVersion, kind)
  Kinds watched() const;
  // Calls visit(type, informer) for each watched kind that has a running informer.
  void for_each_cache(const std::function<void(const kube::ResourceType&,
                                               const informer::Informer&)>& visit) const;
  void wake(const GroupKind& group_kind);

  kube::Discovery& discovery_;
  informer::InformerManager informers_;
  const Enqueue enqueue_;

  mutable std::mutex mu_;  // guards everything below
  // The kinds watched, by (group, kind): the apiVersion subscribed for it and the subscription.
  struct Watched {
    std::string api_version;
    informer::InformerManager::SubscriptionId subscription = 0;
  };
  std::map<GroupKind, Watched> watched_;
  std::map<GroupKind, std::set<desired::ObjectKey>> parked_;  // keys waiting for the kind's cache
  std::set<desired::DesiredState::TypeRef> listed_;  // set_listed()
  bool stopped_ = false;
};

}  // namespace steward::reconcile
