#pragma once
// CreateOrder: holds back the create of an object while an object of an earlier apply tier
// (desired/apply_order.hpp: Namespaces and CRDs, then ServiceAccounts and RBAC, then the rest) is
// not there yet. The controller enqueues new keys tier by tier, but its workers take keys in
// parallel and each kind's cache syncs in its own time, so queue order alone would let a ConfigMap
// reach the server before its Namespace (a 404, retried) and a Deployment before its
// ServiceAccount.
//
// An earlier-tier object stops holding others back once it is in the cluster (its cache has it) or
// has settled: its last reconcile created it, corrected it or found it in sync (a dry run's create
// counts, though nothing will appear), or failed permanently (waiting on it would be for ever; a
// dependent then succeeds or fails on its own). One whose kind is not served, or not known to
// discovery yet, holds nothing back: nothing steward does would make it appear. A held-back create
// answers kWaiting and is retried with the queue's backoff.
//
// Cost: the earlier-tier keys of a snapshot are indexed once per snapshot; a create looks at the
// ones of its earlier tiers that have not settled, and once all of a tier were there, at none.
// Thread-safe.

#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_set>
#include <vector>

#include "desired/desired_state.hpp"
#include "reconcile/live_view.hpp"
#include "reconcile/outcome.hpp"

namespace steward::reconcile {

class CreateOrder {
 public:
  // The earlier-tier object that the create of `key` waits for, or nullopt to go ahead.
  std::optional<desired::ObjectKey> awaited(
      const std::shared_ptr<const desired::DesiredState>& snapshot, const desired::ObjectKey& key,
      const LiveView& live);
  // Each reconcile's result, so that a settled earlier-tier key stops holding others back.
  void record(const desired::ObjectKey& key, Result result);

 private:
  static constexpr std::size_t kEarlierTiers = 2;  // tiers that can hold others back
  // The earlier-tier keys of `snapshot` in `tier` that have not settled; empty once the whole tier
  // was there. Re-indexes for a new snapshot. Takes mu_.
  std::vector<desired::ObjectKey> unsettled(
      const std::shared_ptr<const desired::DesiredState>& snapshot, std::size_t tier);
  void mark_there(const std::shared_ptr<const desired::DesiredState>& snapshot, std::size_t tier);

  std::mutex mu_;  // guards everything below
  std::weak_ptr<const desired::DesiredState> indexed_;  // the snapshot the index is of
  std::array<std::vector<desired::ObjectKey>, kEarlierTiers> keys_;
  std::array<bool, kEarlierTiers> there_{};  // every key of the tier was there (this snapshot)
  std::unordered_set<desired::ObjectKey, desired::ObjectKeyHash> settled_;  // earlier tiers only
};

}  // namespace steward::reconcile
