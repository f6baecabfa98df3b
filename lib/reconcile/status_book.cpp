#include "reconcile/status_book.hpp"

namespace steward::reconcile {

std::string_view to_string(SyncState state) {
  switch (state) {
    case SyncState::kInSync: return "InSync";
    case SyncState::kDrifted: return "Drifted";
    case SyncState::kFailing: return "Failing";
    case SyncState::kPending: return "Pending";
  }
  return "Unknown";
}

namespace {

SyncState sync_of(Result result, bool dry_run) {
  if (is_failure(result)) return SyncState::kFailing;
  if (dry_run && (result == Result::kCreated || result == Result::kCorrected)) {
    return SyncState::kDrifted;
  }
  return SyncState::kInSync;
}

}  // namespace

void StatusBook::record(const desired::ObjectKey& key, const std::string& source,
                        const Reconciled& done, bool dry_run, health::Health health,
                        std::chrono::system_clock::time_point now) {
  const SyncState sync = sync_of(done.outcome.result, dry_run);
  if (health.status == health::Status::Current) health.message.clear();  // nothing to say
  std::lock_guard guard(mu_);
  auto [it, added] = entries_.try_emplace(key);
  Entry& entry = it->second;
  if (!added) uncount(entry);
  entry.source = source;
  entry.sync = sync;
  entry.result = done.outcome.result;
  entry.detail = sync == SyncState::kFailing ? done.outcome.detail : std::string();
  entry.health = std::move(health);
  entry.updated = now;
  PerSource& per_source = sources_[source];
  if (fine(entry)) ++per_source.fine;
  if (sync == SyncState::kFailing) {
    ++per_source.failing;
  } else if (sync == SyncState::kInSync && per_source.failing == 0) {
    per_source.last_applied = now;
  }
}

void StatusBook::forget(const std::vector<desired::ObjectKey>& keys) {
  std::lock_guard guard(mu_);
  for (const auto& key : keys) {
    auto it = entries_.find(key);
    if (it == entries_.end()) continue;
    uncount(it->second);
    entries_.erase(it);
  }
}

void StatusBook::uncount(const Entry& entry) {
  PerSource& per_source = sources_[entry.source];
  if (entry.sync == SyncState::kFailing) --per_source.failing;
  if (fine(entry)) --per_source.fine;
}

bool StatusBook::ready(const std::string& source, std::size_t objects) const {
  std::lock_guard guard(mu_);
  auto it = sources_.find(source);
  return objects == 0 || (it != sources_.end() && it->second.fine >= objects);
}

SourceHealth StatusBook::source(const desired::DesiredState& state, const std::string& source,
                                std::size_t limit) const {
  SourceHealth out;
  out.name = source;
  const desired::SourceObjects* objects = state.source(source);
  std::lock_guard guard(mu_);
  if (auto per_source = sources_.find(source); per_source != sources_.end()) {
    out.last_applied = per_source->second.last_applied;
  }
  if (objects == nullptr) {
    out.ready = true;
    return out;
  }
  out.objects = objects->objects.size();
  bool all_fine = true;
  for (const auto& object : objects->objects) {
    ObjectState state{.key = object->key};
    if (auto entry = entries_.find(object->key); entry != entries_.end()) {
      state.sync = entry->second.sync;
      state.result = entry->second.result;
      state.health = entry->second.health;
      state.updated = entry->second.updated;
      if (state.sync == SyncState::kFailing) state.detail = entry->second.detail;
    } else {
      state.health = {health::Status::Unknown, "NotReconciled", "not reconciled yet"};
    }
    ++out.by_health[state.health.status];
    ++out.by_sync[state.sync];
    out.health = health::worst(out.health, state.health.status);
    const bool fine =
        state.sync == SyncState::kInSync && state.health.status == health::Status::Current;
    all_fine = all_fine && fine;
    if (!fine && out.attention.size() < limit) out.attention.push_back(std::move(state));
  }
  out.ready = all_fine;
  return out;
}

}  // namespace steward::reconcile
