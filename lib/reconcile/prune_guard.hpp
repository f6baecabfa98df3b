#pragma once
// PruneGuard: whether steward's objects of a source that are gone from its desired state may be
// deleted now (plan.hpp, PruneVerdict).
//
// Prune is allowed for a source only when it is configured with prune, its most recent load
// succeeded, and that load would not delete more than `prune_fraction` of the source's managed
// objects (a guard against an emptied or truncated directory). The guard counts what is in the
// cluster, not what the previous load held: steward's objects of that source in the caches (read
// through their member index) against those of them absent from the desired state and not kept by
// an opt-out steward applied (prune: disabled, reconcile: disabled), judged once per
// load and only once every cache has synced. So reloading the same truncated directory, another
// source loading, or a restart with the truncated directory cannot lift it; a load that brings the
// source back within its fraction does, and so does raising `prune_fraction` (1 allows any prune:
// the operator's way to force). Thread-safe.

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "reconcile/kind_set.hpp"
#include "reconcile/plan.hpp"
#include "reconcile/source_set.hpp"

namespace steward::reconcile {

class PruneGuard {
 public:
  PruneGuard(const SourceSet& sources, const KindSet& kinds) : sources_(sources), kinds_(kinds) {}

  PruneVerdict verdict(std::string_view source) const;
  // A new load of `source` (or its removal): its prune is judged afresh.
  void reset(const std::string& source);
  // Sources whose current load the fraction guard refused.
  std::vector<std::string> refused() const;

 private:
  bool within_fraction(const SourceOptions& source) const;

  const SourceSet& sources_;
  const KindSet& kinds_;
  mutable std::mutex mu_;  // guards allowed_
  // Per source, the verdict on its current load: unset until judged (at the first prune question
  // once every cache has synced), reset by each accepted load.
  mutable std::map<std::string, bool, std::less<>> allowed_;
};

}  // namespace steward::reconcile
