#pragma once
// Resolving, in memory, the scope of objects loaded before discovery knew their kind (a CRD defined
// in the same source): the loader's namespace step (manifest_loader.hpp) done again on the objects
// in force. Namespaced objects written without a namespace get the source's default one;
// cluster-scoped ones lose a namespace written on them. Resolving a kind never reads the source's
// files again: they may have changed since, and only the source watcher decides when they are read.

#include <optional>

#include "desired/desired_state.hpp"
#include "desired/manifest_loader.hpp"

namespace steward::desired {

// The source's objects with every scope that `is_namespaced` now knows resolved, as a load the
// store can put in force (two objects that now share a key are an error naming both, as at load);
// nullopt when no object's scope became known.
std::optional<SourceLoad> rescope(const SourceObjects& source, const SourceSpec& spec,
                                  const ScopeFunc& is_namespaced);

}  // namespace steward::desired
