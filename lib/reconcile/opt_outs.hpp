#pragma once
// plan()'s part for what holds steward back from an object: a manifest's opt-outs
// (desired/opt_outs.hpp) and a suspended source. Kept apart from plan.cpp so that the one
// decision reads as the loop's four cases, with these as exceptions to them.
//
// While the manifest is there, only the manifest counts:
//   reconcile: disabled, ssa: IfNotPresent   created when missing (only if it does not exist at
//                                            all: a GET first), then left alone; for reconcile:
//                                            disabled drift is still measured and reported
//   force: enabled                           the reconciler's, on a 422 for an immutable field
//
// Once the manifest is gone, a prune must know whether the last manifest said prune: disabled or
// reconcile: disabled. Two places say so, and either keeps the object:
//   1. the last desired object the key had: the update that removed the key carries the previous
//      snapshot, and the reconciler keeps the removed keys' opt-outs in memory
//      (PlanPolicy::departed) until the key is settled;
//   2. after a restart (nothing in memory), the live object's annotation, but only where
//      steward's Apply entry in managedFields owns it (ownership.hpp, applied_annotation): only a
//      manifest steward applied puts it there. A user's `kubectl annotate` is the user's field,
//      and does not count.
// Keeping is the safe direction; no live annotation ever makes steward write more or delete. A
// kept object is released: steward's marks (the managed-by and part-of labels) are removed
// with a merge patch carrying its resourceVersion, so it leaves the source's inventory and
// steward's caches, and the inventory can narrow. That happens where the prune would have
// happened (prune allowed, fraction guard passed), never on a refused or undecided prune.
//
// A suspended source (its `suspend: true`) applies and prunes nothing: plan()'s decision is made
// as usual and then turned into nothing, with what it would have done in `detail` and drift
// counted, so `steward run --once` reports the source as suspended instead of failing on it.

#include <optional>
#include <string_view>

#include "desired/opt_outs.hpp"
#include "reconcile/plan.hpp"

namespace steward::reconcile {

// The opt-outs the live object carries where steward's apply (field manager `manager`) wrote
// them (ownership.hpp, applied_annotation): what the last manifest steward applied said.
desired::OptOuts applied_opt_outs(const rapidjson::Value& live, std::string_view manager);

// A desired object whose manifest says create only, found in the cache: nothing, with its drift
// (reconcile: disabled) in `detail`.
Action leave_alone(const desired::DesiredObject& desired, const ApplyMemo& memo,
                   const rapidjson::Value& live);

// A prune that the opt-outs keep (see above): the release, or nullopt to go ahead.
std::optional<Action> keep_departed(const PlanInput& in, const PlanPolicy& policy,
                                    const rapidjson::Value& live);

// `action` as a suspended source takes it: nothing done, what it would have been in `detail`.
// Unchanged when the key's source is not suspended.
Action hold_if_suspended(const PlanInput& in, const PlanPolicy& policy, Action action);

// `action` while a source the key's source depends on (sources[].dependsOn) is not in sync and
// Current: a write (apply, prune, release) waits, naming that source; anything else is unchanged.
Action hold_for_dependencies(const PlanInput& in, const PlanPolicy& policy, Action action);

}  // namespace steward::reconcile
