#include "reconcile/opt_outs.hpp"

#include "kube/resource.hpp"
#include "reconcile/drift.hpp"

namespace steward::reconcile {

desired::OptOuts applied_opt_outs(const rapidjson::Value& live, std::string_view manager) {
  desired::OptOuts out;
  const auto is = [&](std::string_view annotation, std::string_view value) {
    const auto applied = applied_annotation(live, manager, annotation);
    return applied && *applied == value;
  };
  out.reconcile_disabled = is(desired::kReconcileAnnotation, desired::kDisabled);
  out.prune_disabled = is(desired::kPruneAnnotation, desired::kDisabled);
  out.if_not_present = is(desired::kSsaAnnotation, desired::kIfNotPresent);
  out.force_recreate = is(desired::kForceAnnotation, desired::kEnabled);
  return out;
}

Action leave_alone(const desired::DesiredObject& desired, const ApplyMemo& memo,
                   const rapidjson::Value& live) {
  if (desired.opt_outs.reconcile_disabled) {
    const Drift drift = find_drift(memo.reference(), live);
    if (drift.drifted) {
      return {.detail = "drifted (" + drift.path + " " + drift.reason + "), not corrected: " +
                        std::string(desired::kReconcileAnnotation) + ": disabled",
              .drifted = true,
              .held = true};
    }
    return {.detail = "in sync (" + std::string(desired::kReconcileAnnotation) + ": disabled)"};
  }
  // IfNotPresent: once it exists it is someone else's to change; there is no drift to speak of.
  return {.detail = "exists, left alone (" + std::string(desired::kSsaAnnotation) + ": " +
                    std::string(desired::kIfNotPresent) + ")"};
}

std::optional<Action> keep_departed(const PlanInput& in, const PlanPolicy& policy,
                                    const rapidjson::Value& live) {
  // Unknown (a restart) reads as nothing kept. A plain value rather than an optional: GCC 12
  // warns (maybe-uninitialized) about the optional's payload at -O1 under TSan.
  desired::OptOuts before;
  if (policy.departed) {
    if (const auto known = policy.departed()) before = *known;
  }
  const desired::OptOuts applied = applied_opt_outs(live, policy.field_manager);
  std::string why;
  if (before.keeps()) {
    why = desired::describe({.reconcile_disabled = before.reconcile_disabled,
                             .prune_disabled = before.prune_disabled}) +
          " in its last manifest";
  } else if (applied.keeps()) {
    why = desired::describe({.reconcile_disabled = applied.reconcile_disabled,
                             .prune_disabled = applied.prune_disabled}) +
          " applied by steward (live object)";
  } else {
    return std::nullopt;
  }
  (void)in;
  return Action{.step = Step::kRelease,
                .detail = "kept, " + why + ": released from its inventory, not pruned",
                .uid = std::string(kube::string_at(live, {"metadata", "uid"})),
                .resource_version =
                    std::string(kube::string_at(live, {"metadata", "resourceVersion"}))};
}

namespace {

// The source a key's action is for: its desired object's, or for a prune its inventory's; "" when
// neither is known.
std::string source_of(const PlanInput& in, const PlanPolicy& policy) {
  if (in.desired) return in.desired->source;
  if (in.live.object) {
    if (auto member = member_source(*in.live.object, policy.source_of_member)) return *member;
  }
  return {};
}

}  // namespace

Action hold_for_dependencies(const PlanInput& in, const PlanPolicy& policy, Action action) {
  if (!policy.waiting_for) return action;
  if (action.step != Step::kApply && action.step != Step::kPrune &&
      action.step != Step::kRelease) {
    return action;
  }
  const std::string source = source_of(in, policy);
  if (source.empty()) return action;
  const std::optional<std::string> dependency = policy.waiting_for(source);
  if (!dependency) return action;
  return {.step = Step::kWait,
          .detail = "waiting for source " + *dependency + " (dependsOn): not in sync and Current"};
}

Action hold_if_suspended(const PlanInput& in, const PlanPolicy& policy, Action action) {
  if (!policy.suspended || action.step == Step::kNothing) return action;
  const std::string source = source_of(in, policy);
  if (source.empty() || !policy.suspended(source)) return action;
  std::string would;
  switch (action.step) {
    case Step::kApply: would = action.exists ? "correct (" + action.detail + ")" : "create"; break;
    case Step::kPrune: would = "prune"; break;
    case Step::kRelease: would = "release (" + action.detail + ")"; break;
    case Step::kWait: would = "wait (" + action.detail + ")"; break;
    case Step::kFail: would = "fail (" + action.detail + ")"; break;
    case Step::kPlanned: would = "create"; break;
    case Step::kNothing: break;
  }
  return {.detail = "source " + source + " suspended: would " + would,
          .drifted = action.step == Step::kApply && action.exists,
          .held = true};
}

}  // namespace steward::reconcile
