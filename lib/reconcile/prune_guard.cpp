#include "reconcile/prune_guard.hpp"

#include "observe/log.hpp"
#include "reconcile/opt_outs.hpp"
#include "reconcile/ownership.hpp"

namespace steward::reconcile {
namespace {

const observe::Logger kLog{"controller"};

}  // namespace

PruneVerdict PruneGuard::verdict(std::string_view source) const {
  const auto configured = sources_.find(source);
  if (!configured || !configured->prune) return PruneVerdict::kOff;
  const auto status = sources_.status(configured->spec.name);
  if (!status || !status->loaded || !status->last_load_ok) return PruneVerdict::kOff;
  // Judged against complete caches only: a cache still listing would undercount what exists. A
  // kind not served has no cache and no objects to count; waiting for it would hold every prune
  // of the source for as long as the kind is missing.
  const bool synced = kinds_.served_synced();
  std::lock_guard lock(mu_);
  if (const auto judged = allowed_.find(source); judged != allowed_.end()) {
    return judged->second ? PruneVerdict::kAllowed : PruneVerdict::kRefused;
  }
  if (!synced) return PruneVerdict::kUndecided;
  const bool allowed = within_fraction(*configured);
  allowed_.emplace(configured->spec.name, allowed);
  return allowed ? PruneVerdict::kAllowed : PruneVerdict::kRefused;
}

void PruneGuard::reset(const std::string& source) {
  std::lock_guard lock(mu_);
  allowed_.erase(source);
}

std::vector<std::string> PruneGuard::refused() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [source, allowed] : allowed_) {
    if (!allowed) out.push_back(source);
  }
  return out;
}

bool PruneGuard::within_fraction(const SourceOptions& source) const {
  const auto snapshot = sources_.current();
  std::size_t managed = 0;
  std::size_t orphaned = 0;
  kinds_.visit_members(member_keys(source), [&](const rapidjson::Value& object) {
    ++managed;
    // One the last manifest opted out of pruning is kept, not deleted (opt_outs.hpp): it is
    // released where a prune would be, so it must not hold the source's prune back either.
    if (snapshot->find(key_of(object)) == nullptr &&
        !applied_opt_outs(object, kFieldManager).keeps()) {
      ++orphaned;
    }
  });
  if (static_cast<double>(orphaned) <= source.prune_fraction * static_cast<double>(managed)) {
    return true;
  }
  kLog.error("prune refused: it would delete more than pruneFraction of the source's "
             "managed objects; nothing of this source is pruned until a load brings it "
             "back within the fraction (or pruneFraction is raised)",
             {{"source", source.spec.name},
              {"wouldDelete", std::to_string(orphaned)},
              {"managed", std::to_string(managed)},
              {"pruneFraction", std::to_string(source.prune_fraction)}});
  return false;
}

}  // namespace steward::reconcile
