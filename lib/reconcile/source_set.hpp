#pragma once
// SourceSet: the sources of desired state in force and what they loaded. It reads a source from
// disk only when told to (start, the source watcher, SIGHUP, a configuration change); a reconcile
// that finds an object loaded before discovery knew its kind asks it to resolve that scope from
// the objects in memory instead (desired/rescope.hpp). Every accepted change of the desired state
// goes to one listener, which enqueues the changed keys.
//
// Thread-safe: the sources are swapped whole and read by copying a pointer; the desired state is
// the store's (desired/desired_state_store.hpp).

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "desired/desired_state_store.hpp"
#include "desired/manifest_loader.hpp"
#include "kube/discovery.hpp"
#include "reconcile/adopt.hpp"
#include "reconcile/ignore_rule.hpp"

namespace steward::reconcile {

class ReconcileMetrics;

struct SourceOptions {
  desired::SourceSpec spec;
  bool prune = false;
  double prune_fraction = 0.5;
  Adopt adopt = Adopt::kIfNoConflict;
  // Nothing applied or pruned for this source; drift is still measured (reconcile/opt_outs.hpp).
  bool suspend = false;
  // Fields of its objects steward sets only when it creates them (ignore_rules.hpp).
  std::vector<IgnoreRule> ignore;
  // Sources that must be in sync and Current before this one is applied (PlanPolicy::waiting_for).
  std::vector<std::string> depends_on;
  // Objects with steward's marks and no part-of label (applied by a steward before ApplySets) are
  // members of this source's inventory (ownership.hpp). The default instance claims them; any
  // other leaves them to it.
  bool claims_unlabelled = true;
};

// Makes `source` one of steward instance `instance`'s, whose inventories are in namespace `ns`:
// its ApplySet id, and whether it claims objects with no part-of label (the default instance does).
void join_inventory(SourceOptions& source, std::string_view instance, std::string_view ns);

// The member keys (ownership.hpp) of `source`'s objects: its ApplySet id, and the legacy key when
// it claims unlabelled objects.
std::vector<std::string> member_keys(const SourceOptions& source);
// The one of `sources` whose inventory member key `member` (ownership.hpp) is, or nullopt: the
// object is another instance's, another tool's, or of a source this instance does not have.
std::optional<std::string> source_of_member(const std::vector<SourceOptions>& sources,
                                            std::string_view member);

// Scopes as discovery's cache knows them, for loading sources against a cluster: nullopt for a
// kind it has not listed (a CRD not created yet), whose objects then load with scope_unknown.
desired::ScopeFunc discovery_scopes(const kube::Discovery& discovery);

// How the sources stand, for readiness and `--once`.
struct SourcesStatus {
  bool loaded = true;                      // every source has loaded at least once
  std::vector<std::string> not_loaded;     // "source web: not loaded: a.yaml:3:7: ..."
  // Sources whose latest load failed after an earlier one succeeded (their last good objects are
  // still in force), one line each with the first error's place.
  std::vector<std::string> load_failures;
};

class SourceSet {
 public:
  // Called after every accepted change of the desired state, with the source it was about.
  using Listener = std::function<void(const std::string& source, const desired::StoreUpdate&)>;

  SourceSet(kube::Discovery& discovery, std::vector<SourceOptions> sources,
            ReconcileMetrics* metrics);
  // Set once, before the first load.
  void set_listener(Listener listener) { listener_ = std::move(listener); }

  // Reads one source from disk; a failed load keeps its last good objects.
  desired::StoreUpdate reload(const std::string& name);
  // Reads every source; false if any failed.
  bool reload_all();
  // The configuration changed: new sources and changed ones (path, default namespace, prune,
  // fraction) are read, removed ones leave the desired state (their objects stay in the cluster).
  void update(std::vector<SourceOptions> sources);
  // The kind of `key`'s desired object may be known now: resolve its source's scopes in memory.
  void resolve_scopes(const desired::ObjectKey& key);

  std::shared_ptr<const std::vector<SourceOptions>> all() const;
  // The named source's options, sharing the set in force (no copy: asked on every reconcile);
  // null when there is none.
  std::shared_ptr<const SourceOptions> find(std::string_view name) const;
  // source_of_member() above, over the sources in force.
  std::optional<std::string> source_of_member(std::string_view member) const {
    return reconcile::source_of_member(*all(), member);
  }
  std::shared_ptr<const desired::DesiredState> current() const { return store_.current(); }
  std::optional<desired::SourceStatus> status(const std::string& name) const {
    return store_.status(name);
  }
  const desired::DesiredStateStore& store() const { return store_; }
  SourcesStatus sources_status() const;

 private:
  desired::LoaderOptions loader_options() const;
  desired::StoreUpdate reload_locked(const std::string& name);
  // Logs, counts and hands an update on.
  void settle(const std::string& name, const desired::StoreUpdate& update);

  kube::Discovery& discovery_;
  ReconcileMetrics* const metrics_;  // null without a registry
  Listener listener_;
  // Serialises every change of the desired state, so that a scope resolved from the objects in
  // force can never put back objects a newer load has replaced.
  std::mutex load_mu_;
  mutable std::mutex mu_;  // guards sources_
  std::shared_ptr<const std::vector<SourceOptions>> sources_;
  desired::DesiredStateStore store_;
};

}  // namespace steward::reconcile
