#pragma once
// The sources of desired state as the loop sees them: each one's spec and prune settings.

#include "desired/manifest_loader.hpp"
#include "kube/discovery.hpp"

namespace steward::reconcile {

struct SourceOptions {
  desired::SourceSpec spec;
  bool prune = false;
  double prune_fraction = 0.5;
};

// Scopes as discovery's cache knows them, for loading sources against a cluster: nullopt for a
// kind it has not listed (a CRD not created yet), whose objects then load with scope_unknown.
desired::ScopeFunc discovery_scopes(const kube::Discovery& discovery);

}  // namespace steward::reconcile
