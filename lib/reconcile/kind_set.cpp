#include "reconcile/kind_set.hpp"

#include "kube/resource.hpp"
#include "reconcile/ownership.hpp"

namespace steward::reconcile {
namespace {

informer::InformerManagerOptions for_steward_caches(informer::InformerManagerOptions options) {
  options.indexes.emplace(std::string(kMemberIndex), member_index);
  options.transform = keep_ownership_facts;
  return options;
}

}  // namespace

KindSet::KindSet(boost::asio::io_context& io, kube::Client& client, kube::Discovery& discovery,
                 informer::InformerManagerOptions options, Enqueue enqueue)
    : discovery_(discovery),
      informers_(io, client, discovery, for_steward_caches(std::move(options))),
      enqueue_(std::move(enqueue)) {}

void KindSet::set_listed(std::set<desired::DesiredState::TypeRef> listed,
                         const desired::DesiredState& state) {
  {
    std::lock_guard lock(mu_);
    listed_ = std::move(listed);
  }
  update(state);
}

bool KindSet::synced(const std::string& api_version, const std::string& kind) const {
  const auto informer = informers_.informer(api_version, kind);
  return informer && informer->has_synced();
}

void KindSet::update(const desired::DesiredState& state) {
  std::lock_guard lock(mu_);
  if (stopped_) return;
  std::set<desired::DesiredState::TypeRef> wanted = state.types();
  wanted.insert(listed_.begin(), listed_.end());
  for (const auto& [api_version, kind] : wanted) {
    auto [it, added] = watched_.try_emplace(
        {std::string(kube::split_api_version(api_version).first), kind});
    if (!added) continue;
    auto add = [this](const informer::ObjectPtr& object) { enqueue_(key_of(*object)); };
    it->second = {api_version,
                  informers_.subscribe(
                      api_version, kind,
                      informer::ResourceEventHandlers{
                          .on_add = add,
                          .on_update = [this](const informer::ObjectPtr&,
                                              const informer::ObjectPtr& object) {
                            enqueue_(key_of(*object));
                          },
                          .on_delete = add,
                          .on_synced = [this, group_kind = it->first] { wake(group_kind); }})};
  }
  for (auto it = watched_.begin(); it != watched_.end();) {
    const std::string& kind = it->first.second;
    const std::string& api_version = it->second.api_version;
    const auto informer = informers_.informer(api_version, kind);
    if (wanted.count({api_version, kind}) != 0 ||
        (informer && (!informer->has_synced() || informer->store().size() > 0))) {
      ++it;
      continue;
    }
    informers_.unsubscribe(it->second.subscription);
    it = watched_.erase(it);
  }
}

LiveLookup KindSet::find(const desired::ObjectKey& key) const {
  std::string version;
  {
    std::lock_guard lock(mu_);
    const auto watched = watched_.find({key.group, key.kind});
    if (watched == watched_.end()) return {};
    version = watched->second.api_version;
  }
  const auto informer = informers_.informer(version, key.kind);
  std::optional<kube::ResourceType> type = informers_.resource_type(version, key.kind);
  if (!informer || !type) {
    // Discovery's table is swapped only after a complete read, so a non-empty one that lacks the
    // kind is the server's answer, not a failure to ask.
    return {.not_served = discovery_.resource_count() > 0 && !discovery_.find(version, key.kind)};
  }
  kube::ObjectPtr object =
      informer->store().get(type->namespaced ? std::string_view(key.ns) : std::string_view(),
                            key.name);
  return LiveLookup{std::move(type), informer->has_synced(), std::move(object)};
}

void KindSet::park(const desired::ObjectKey& key) {
  const GroupKind group_kind{key.group, key.kind};
  {
    std::lock_guard lock(mu_);
    parked_[group_kind].insert(key);
  }
  // The cache may have synced since the reconciler looked: then its wake-up has run already.
  if (find(key).synced) wake(group_kind);
}

void KindSet::wake(const GroupKind& group_kind) {
  std::set<desired::ObjectKey> keys;
  {
    std::lock_guard lock(mu_);
    const auto parked = parked_.find(group_kind);
    if (parked == parked_.end()) return;
    keys = std::move(parked->second);
    parked_.erase(parked);
  }
  for (const auto& key : keys) enqueue_(key);
}

KindSet::Kinds KindSet::watched() const {
  std::lock_guard lock(mu_);
  Kinds out;
  for (const auto& [group_kind, w] : watched_) out.emplace_back(w.api_version, group_kind.second);
  return out;
}

bool KindSet::served_synced() const {
  for (const auto& [api_version, kind] : watched()) {
    const auto informer = informers_.informer(api_version, kind);
    if (informer && !informer->has_synced()) return false;
  }
  return true;
}

bool KindSet::synced_or_planned(const desired::DesiredState& state) const {
  for (const auto& [api_version, kind] : watched()) {
    if (const auto informer = informers_.informer(api_version, kind)) {
      if (!informer->has_synced()) return false;
    } else if (!state.defining_crd(kube::split_api_version(api_version).first, kind)) {
      return false;
    }
  }
  return true;
}

void KindSet::for_each_cache(
    const std::function<void(const kube::ResourceType&, const informer::Informer&)>& visit) const {
  for (const auto& [api_version, kind] : watched()) {
    const auto informer = informers_.informer(api_version, kind);
    const auto type = informers_.resource_type(api_version, kind);
    if (informer && type) visit(*type, *informer);
  }
}

void KindSet::visit_members(const std::vector<std::string>& members,
                            const std::function<void(const rapidjson::Value&)>& visit) const {
  for_each_cache([&](const kube::ResourceType&, const informer::Informer& informer) {
    for (const auto& key : members) informer.store().visit(kMemberIndex, key, visit);
  });
}

void KindSet::visit_namespace(std::string_view ns, const Visit& visit) const {
  if (ns.empty()) return;  // cluster-scoped objects are in no namespace
  for_each_cache([&](const kube::ResourceType& type, const informer::Informer& informer) {
    if (type.namespaced) informer.store().visit(informer::Store::kNamespaceIndex, ns, visit);
  });
}

void KindSet::visit_kind(std::string_view group, std::string_view kind,
                         const Visit& visit) const {
  std::string api_version;
  {
    std::lock_guard lock(mu_);
    const auto watched = watched_.find(GroupKind{group, kind});
    if (watched == watched_.end()) return;  // not watched: steward has none in its caches
    api_version = watched->second.api_version;
  }
  const auto informer = informers_.informer(api_version, std::string(kind));
  if (!informer) return;
  for (const auto& object : informer->store().list()) visit(*object);
}

std::map<std::string, double> KindSet::count_by_resource(
    const std::vector<std::string>& members) const {
  std::map<std::string, double> counts;
  for_each_cache([&](const kube::ResourceType& type, const informer::Informer& informer) {
    double& count = counts[type.qualified_resource()];
    for (const auto& key : members) {
      count += static_cast<double>(informer.store().count(kMemberIndex, key));
    }
  });
  return counts;
}

void KindSet::stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
  }
  informers_.stop();
}

}  // namespace steward::reconcile
