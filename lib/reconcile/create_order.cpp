#include "reconcile/create_order.hpp"

#include "desired/apply_order.hpp"

namespace steward::reconcile {
namespace {

std::size_t tier_of(const desired::ObjectKey& key) {
  return static_cast<std::size_t>(desired::apply_tier(key));
}

// Whether `key` no longer holds anything back as far as the cluster goes: its cache has it, or
// its kind is not served (or not known yet), so waiting for it would be for nothing.
bool there(const desired::ObjectKey& key, const LiveView& live) {
  const LiveLookup lookup = live.find(key);
  if (!lookup.type) return true;
  return lookup.synced && lookup.object != nullptr;
}

bool settles(Result result) {
  return result == Result::kInSync || result == Result::kCreated ||
         result == Result::kCorrected || result == Result::kPermanentError;
}

}  // namespace

std::optional<desired::ObjectKey> CreateOrder::awaited(
    const std::shared_ptr<const desired::DesiredState>& snapshot, const desired::ObjectKey& key,
    const LiveView& live) {
  const std::size_t tier = tier_of(key);
  for (std::size_t earlier = 0; earlier < tier && earlier < kEarlierTiers; ++earlier) {
    // Looked up without mu_: LiveView takes the controller's locks.
    for (const auto& other : unsettled(snapshot, earlier)) {
      if (!there(other, live)) return other;
    }
    mark_there(snapshot, earlier);
  }
  return std::nullopt;
}

void CreateOrder::record(const desired::ObjectKey& key, Result result) {
  if (tier_of(key) >= kEarlierTiers) return;
  std::lock_guard lock(mu_);
  if (settles(result)) {
    settled_.insert(key);
  } else {
    settled_.erase(key);
  }
}

std::vector<desired::ObjectKey> CreateOrder::unsettled(
    const std::shared_ptr<const desired::DesiredState>& snapshot, std::size_t tier) {
  std::lock_guard lock(mu_);
  if (indexed_.lock() != snapshot) {
    indexed_ = snapshot;
    for (auto& keys : keys_) keys.clear();
    there_.fill(false);
    for (const auto& [key, object] : snapshot->objects()) {
      if (const std::size_t t = tier_of(key); t < kEarlierTiers) keys_[t].push_back(key);
    }
    // Keys no longer desired hold nothing back; their settled marks go.
    std::erase_if(settled_, [&](const desired::ObjectKey& key) {
      return snapshot->find(key) == nullptr;
    });
  }
  std::vector<desired::ObjectKey> out;
  if (there_[tier]) return out;
  for (const auto& key : keys_[tier]) {
    if (settled_.count(key) == 0) out.push_back(key);
  }
  return out;
}

void CreateOrder::mark_there(const std::shared_ptr<const desired::DesiredState>& snapshot,
                             std::size_t tier) {
  std::lock_guard lock(mu_);
  if (indexed_.lock() == snapshot) there_[tier] = true;
}

}  // namespace steward::reconcile
