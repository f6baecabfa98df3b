#include "reconcile/source_set.hpp"

#include <algorithm>

#include "desired/applyset.hpp"
#include "desired/rescope.hpp"
#include "reconcile/ownership.hpp"
#include "observe/log.hpp"
#include "reconcile/reconcile_metrics.hpp"

namespace steward::reconcile {
namespace {

const observe::Logger kLog{"desired"};

// The first error of a source's latest load, for status lines: "a.yaml:3:7: ..." (+ how many more).
std::string first_error(const desired::SourceStatus& status) {
  if (status.errors.empty()) return {};
  std::string text = status.errors.front().to_string();
  if (status.errors.size() > 1) {
    text += " (and " + std::to_string(status.errors.size() - 1) + " more)";
  }
  return text;
}

}  // namespace

desired::ScopeFunc discovery_scopes(const kube::Discovery& discovery) {
  return [discovery = &discovery](std::string_view api_version,
                                  std::string_view kind) -> std::optional<bool> {
    const auto type = discovery->find(api_version, kind);
    if (!type) return std::nullopt;
    return type->namespaced;
  };
}

SourceSet::SourceSet(kube::Discovery& discovery, std::vector<SourceOptions> sources,
                     ReconcileMetrics* metrics)
    : discovery_(discovery),
      metrics_(metrics),
      sources_(std::make_shared<const std::vector<SourceOptions>>(std::move(sources))) {}

desired::LoaderOptions SourceSet::loader_options() const {
  desired::LoaderOptions loader;
  // A kind discovery does not know yet (a CRD in the same source) stays unresolved until a
  // reconcile finds it known (resolve_scopes).
  loader.is_namespaced = discovery_scopes(discovery_);
  return loader;
}

std::shared_ptr<const std::vector<SourceOptions>> SourceSet::all() const {
  std::lock_guard lock(mu_);
  return sources_;
}

std::shared_ptr<const SourceOptions> SourceSet::find(std::string_view name) const {
  const auto sources = all();
  for (const auto& s : *sources) {
    if (s.spec.name == name) return {sources, &s};
  }
  return nullptr;
}

std::optional<std::string> source_of_member(const std::vector<SourceOptions>& sources,
                                            std::string_view member) {
  for (const auto& s : sources) {
    if ((!s.spec.applyset.empty() && member == s.spec.applyset) ||
        (s.claims_unlabelled && member == legacy_member_key(s.spec.name))) {
      return s.spec.name;
    }
  }
  return std::nullopt;
}

void join_inventory(SourceOptions& source, std::string_view instance, std::string_view ns) {
  source.spec.applyset =
      desired::applyset_id(desired::applyset_parent_name(instance, source.spec.name), ns);
  // What a steward before inventories applied is the default instance's: it was one.
  source.claims_unlabelled = instance == desired::kDefaultInstance;
}

std::vector<std::string> member_keys(const SourceOptions& source) {
  std::vector<std::string> keys;
  if (!source.spec.applyset.empty()) keys.push_back(source.spec.applyset);
  if (source.claims_unlabelled) keys.push_back(legacy_member_key(source.spec.name));
  return keys;
}

desired::StoreUpdate SourceSet::reload(const std::string& name) {
  std::lock_guard lock(load_mu_);
  return reload_locked(name);
}

desired::StoreUpdate SourceSet::reload_locked(const std::string& name) {
  const auto source = find(name);
  if (!source) return {};
  desired::StoreUpdate update = store_.reload(source->spec, loader_options());
  settle(name, update);
  return update;
}

void SourceSet::settle(const std::string& name, const desired::StoreUpdate& update) {
  if (metrics_) metrics_->desired_reload(name, update.accepted);
  if (!update.accepted) {
    for (const auto& error : update.errors) {
      kLog.error("desired state not loaded; the last good state stays in force",
                 {{"source", name}, {"error", error.to_string()}});
    }
    return;
  }
  const auto* loaded = update.current->source(name);
  kLog.info("desired state loaded",
            {{"source", name},
             {"objects", std::to_string(loaded ? loaded->objects.size() : 0)},
             {"added", std::to_string(update.diff.added.size())},
             {"changed", std::to_string(update.diff.changed.size())},
             {"removed", std::to_string(update.diff.removed.size())}});
  if (listener_) listener_(name, update);
}

bool SourceSet::reload_all() {
  bool all_loaded = true;
  for (const auto& source : *all()) all_loaded = reload(source.spec.name).accepted && all_loaded;
  return all_loaded;
}

void SourceSet::update(std::vector<SourceOptions> next) {
  std::lock_guard load(load_mu_);
  const auto before = all();
  auto after = std::make_shared<const std::vector<SourceOptions>>(std::move(next));
  {
    std::lock_guard lock(mu_);
    sources_ = after;
  }
  const auto find = [](const std::vector<SourceOptions>& list, const std::string& name) {
    return std::find_if(list.begin(), list.end(),
                        [&](const SourceOptions& s) { return s.spec.name == name; });
  };
  for (const auto& old : *before) {
    if (find(*after, old.spec.name) != after->end()) continue;
    kLog.info("source removed from the configuration; its objects are left as they are",
              {{"source", old.spec.name}});
    const desired::StoreUpdate update = store_.remove_source(old.spec.name);
    if (update.accepted && listener_) listener_(old.spec.name, update);
  }
  for (const auto& source : *after) {
    const auto old = find(*before, source.spec.name);
    const bool same = old != before->end() && old->spec.path == source.spec.path &&
                      old->spec.default_namespace == source.spec.default_namespace &&
                      old->prune == source.prune && old->prune_fraction == source.prune_fraction;
    if (!same) reload_locked(source.spec.name);
  }
}

void SourceSet::resolve_scopes(const desired::ObjectKey& key) {
  std::lock_guard lock(load_mu_);
  const auto state = current();
  const desired::DesiredObject* object = state->find(key);
  if (object == nullptr) return;
  const auto source = find(object->source);
  const desired::SourceObjects* objects = state->source(object->source);
  if (!source || objects == nullptr) return;
  // Another worker may have resolved the source since: then nothing is unresolved any more, and
  // rescope answers nullopt.
  auto load = desired::rescope(*objects, source->spec, discovery_scopes(discovery_));
  if (!load) return;
  settle(source->spec.name, store_.apply(std::move(*load)));
}

SourcesStatus SourceSet::sources_status() const {
  SourcesStatus status;
  for (const auto& source : *all()) {
    const auto s = store_.status(source.spec.name);
    if (!s || !s->loaded) {
      status.loaded = false;
      const std::string error = s ? first_error(*s) : std::string();
      status.not_loaded.push_back("source " + source.spec.name + ": not loaded" +
                                  (error.empty() ? "" : ": " + error));
    } else if (!s->last_load_ok) {
      status.load_failures.push_back("source " + source.spec.name +
                                     ": the latest load failed, the last good state stays in "
                                     "force: " + first_error(*s));
    }
  }
  return status;
}

}  // namespace steward::reconcile
