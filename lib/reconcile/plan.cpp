#include "reconcile/plan.hpp"

#include "kube/frozen_object.hpp"
#include "kube/resource.hpp"
#include "reconcile/drift.hpp"
#include "reconcile/opt_outs.hpp"

namespace steward::reconcile {
namespace {

bool being_deleted(const rapidjson::Value& live) {
  const auto metadata = live.FindMember("metadata");
  return metadata != live.MemberEnd() && metadata->value.IsObject() &&
         metadata->value.HasMember("deletionTimestamp");
}

// Whether a CustomResourceDefinition serves `version` (apiextensions v1 `versions`, or v1beta1's
// single `version`).
bool serves_version(const rapidjson::Value& crd, std::string_view version) {
  if (kube::string_at(crd, {"spec", "version"}) == version) return true;
  const auto spec = crd.FindMember("spec");
  if (spec == crd.MemberEnd() || !spec->value.IsObject()) return false;
  const auto versions = spec->value.FindMember("versions");
  if (versions == spec->value.MemberEnd() || !versions->value.IsArray()) return false;
  for (const auto& entry : versions->value.GetArray()) {
    if (!entry.IsObject() || kube::string_at(entry, {"name"}) != version) continue;
    const auto served = entry.FindMember("served");
    return served == entry.MemberEnd() || !served->value.IsBool() || served->value.GetBool();
  }
  return false;
}

bool suspended(const desired::DesiredObject& desired, const PlanPolicy& policy) {
  return policy.suspended && policy.suspended(desired.source);
}

// A dry run's create that is not sent, because `needs` (its Namespace, its CRD) is only planned in
// this run; failed instead if the manifest lacks what the server would ask for first (the loader
// checks these too, but a desired object need not come from it).
Action planned_create(const desired::DesiredObject& desired, const std::string& needs) {
  const auto missing = [&](std::initializer_list<std::string_view> path) {
    return kube::string_at(*desired.object, path).empty();
  };
  const std::string_view absent = missing({"apiVersion"})         ? "apiVersion"
                                  : missing({"kind"})             ? "kind"
                                  : missing({"metadata", "name"}) ? "metadata.name"
                                                                  : "";
  if (!absent.empty()) {
    return {.step = Step::kFail,
            .detail = desired.location.to_string() + ": " + std::string(absent) + " is required",
            .error_reason = "Invalid"};
  }
  return {.step = Step::kPlanned,
          .detail = "would be created: its " + needs + " in this run (dry run: not sent)"};
}

// A desired object whose kind the API server does not serve. It waits while a CRD in the desired
// state will serve it (steward applies CRDs first) or discovery has not answered; otherwise
// nothing steward does will serve it, which is permanent, as `kubectl apply` refuses it at once
// ("no matches for kind"): --once ends instead of waiting out its timeout. So is a version the
// CRD does not serve. Someone else may still install the CRD, so it waits for the kind's cache as
// well: reconciled once that syncs, not after the slowest backoff. In a dry run the CRD is never
// created, so the object is a planned create. Every message starts with the manifest's place, so
// the mistake (a typo in apiVersion or kind, a CRD not installed) is found where it is written.
Action kind_not_served(const desired::DesiredState& state, const desired::DesiredObject& desired,
                       bool not_served, const PlanPolicy& policy) {
  const std::string_view api_version = kube::string_at(*desired.object, {"apiVersion"});
  const std::string what = desired.location.to_string() + ": no matches for kind \"" +
                           desired.key.kind + "\" in version \"" + std::string(api_version) +
                           "\"";
  const auto [group, version] = kube::split_api_version(api_version);
  if (const desired::DesiredObject* crd = state.defining_crd(group, desired.key.kind)) {
    if (!serves_version(*crd->object, version)) {
      return {.step = Step::kFail,
              .detail = what + ": CustomResourceDefinition " + crd->key.name +
                        " in the desired state does not serve version \"" +
                        std::string(version) + "\"",
              .waits_for_cache = true,
              .error_reason = "NotFound"};
    }
    if (policy.dry_run && !suspended(*crd, policy)) {
      return planned_create(desired, "CustomResourceDefinition " + crd->key.name + " is applied");
    }
    return {.step = Step::kWait,
            .detail = what + " yet; CustomResourceDefinition " + crd->key.name +
                      " in the desired state will serve it",
            .waits_for_cache = true};
  }
  if (!not_served) {
    return {.step = Step::kWait,
            .detail = what + " yet (discovery has not answered)",
            .waits_for_cache = true};
  }
  return {.step = Step::kFail,
          .detail = what + ": the API server does not serve it and no CustomResourceDefinition "
                           "in the desired state defines it (install the CRD, or correct "
                           "apiVersion and kind)",
          .waits_for_cache = true,
          .error_reason = "NotFound"};
}

// A dry run's create of a namespaced object whose Namespace the desired state holds and the
// cluster does not: the dry run of that Namespace creates nothing, so the server would answer 404
// for ever. Nullopt: not so (sent as any create).
std::optional<Action> in_planned_namespace(const PlanInput& in, const PlanPolicy& policy) {
  if (!policy.dry_run || !policy.namespace_exists || !in.live.type->namespaced ||
      in.key.ns.empty()) {
    return std::nullopt;
  }
  const desired::DesiredObject* ns = in.state.find({"", "Namespace", "", in.key.ns});
  if (ns == nullptr || suspended(*ns, policy) || policy.namespace_exists(in.key.ns)) {
    return std::nullopt;
  }
  return planned_create(*in.desired, "Namespace " + in.key.ns + " is created");
}

// The ignore rules' answer for this desired object (ignore_rules.hpp); empty when its source has
// none or none targets it.
IgnoreAdjustment ignore_adjustment(const ApplyMemo& memo, const rapidjson::Value* live,
                                   const std::string& source, const PlanPolicy& policy) {
  if (!policy.ignore_rules) return {};
  const std::vector<IgnoreRule> rules = policy.ignore_rules(source);
  if (rules.empty()) return {};
  return adjust_for_ignore_rules(*memo.body.object, live, rules, policy.field_manager);
}

// The drift rule against what the body claims: the memo's reference without the fields the rules
// leave out of the body or send with their live values.
Drift ignore_aware_drift(const ApplyMemo& memo, const IgnoreAdjustment& ignore,
                         const rapidjson::Value& live) {
  if (!ignore.body) return find_drift(memo.reference(), live);
  rapidjson::Document scratch;
  const rapidjson::Value reference = ignore.drift_reference(memo.reference(), scratch.GetAllocator());
  return find_drift(reference, live);
}

Action plan_drifted(const PlanInput& in, const PlanPolicy& policy, const Drift& drift);

Action plan_desired(const PlanInput& in, const PlanPolicy& policy) {
  const desired::DesiredObject& desired = *in.desired;
  if (desired.scope_unknown && in.live.type->namespaced && in.key.ns.empty()) {
    // Loaded before discovery knew the kind: its namespace is not defaulted yet, and the key
    // would not match the live object's. Resolving the scope now that the kind is known fixes it.
    return {.step = Step::kWait,
            .detail = "namespace of " + in.key.to_string() + " not resolved yet",
            .needs_scope = true};
  }
  const ApplyMemo& memo = *in.memo;
  if (!in.live.object) {
    if (policy.create_after) {
      if (const auto awaited = policy.create_after()) {
        return {.step = Step::kWait,
                .detail = "created after " + awaited->to_string() + " (apply order)"};
      }
    }
    if (auto planned = in_planned_namespace(in, policy)) return *std::move(planned);
    // Not in the cache, which holds only objects with steward's label: it may still exist,
    // without them. A create is a possible adoption.
    const Adopt adopt = policy.adopt ? policy.adopt(desired.source) : Adopt::kIfNoConflict;
    Action create{.step = Step::kApply,
                  .force = adopt == Adopt::kAlways,
                  .must_not_exist = adopt == Adopt::kNever,
                  .create_only = desired.opt_outs.create_only()};
    // A create sends every manifest value; the rules only add the digests they compare later.
    create.body = ignore_adjustment(memo, nullptr, desired.source, policy).body;
    return create;
  }
  if (desired.opt_outs.create_only()) return leave_alone(desired, memo, *in.live.object);
  const IgnoreAdjustment ignore =
      ignore_adjustment(memo, in.live.object.get(), desired.source, policy);
  Drift drift = ignore_aware_drift(memo, ignore, *in.live.object);
  if (!drift.drifted && ignore.record_stale) {
    drift = {.drifted = true,
             .path = ".metadata.annotations." + std::string(kIgnoredDigestsAnnotation),
             .reason = "out of date (the ignore rules changed)"};
  }
  if (!drift.drifted) return {.ignored = ignore.fields};
  Action action = plan_drifted(in, policy, drift);
  if (action.step == Step::kApply) action.body = ignore.body;
  // The ownership check compares the memo's body; one that rules adjusted is simply applied.
  if (ignore.body) action.confirm_drift = false;
  action.ignored = ignore.fields;
  return action;
}

// A desired object that exists and has drifted: whose it is decides how it is applied.
Action plan_drifted(const PlanInput& in, const PlanPolicy& policy, const Drift& drift) {
  const desired::DesiredObject& desired = *in.desired;
  const ApplyMemo& memo = *in.memo;
  const rapidjson::Value& live = *in.live.object;
  const Adopt adopt = policy.adopt ? policy.adopt(desired.source) : Adopt::kIfNoConflict;
  if (!owning_source(live).empty() && !member_source(live, policy.source_of_member)) {
    // Another steward instance's object (they share the field manager, so an apply without force
    // would not even conflict), or a member of another tool's ApplySet.
    const std::string other(kube::string_at(live, {"metadata", "labels", kPartOfLabel}));
    const std::string whose = other.empty() ? "is a steward object of no ApplySet of this instance"
                                            : "is a member of ApplySet " + other +
                                                  " (another steward instance's or tool's)";
    if (adopt != Adopt::kAlways) {
      return {.step = Step::kFail,
              .detail = desired.location.to_string() + ": " + in.key.to_string() + " " + whose +
                        ": not taken over (adopt: Always on source " + desired.source +
                        " takes it)"};
    }
    return {.step = Step::kApply,
            .detail = "adopting an object that " + whose + " (forced)",
            .exists = true};
  }
  if (owning_source(live).empty()) {
    // Someone else's object, or one made before steward: taken over only as the source says.
    switch (adopt) {
      case Adopt::kNever:
        return {.step = Step::kFail,
                .detail = desired.location.to_string() + ": " + in.key.to_string() +
                          " exists without steward's marks, and source " + desired.source +
                          " has adopt: Never"};
      case Adopt::kIfNoConflict:
        return {.step = Step::kApply,
                .detail = "adopting an object that exists without steward's marks",
                .exists = true,
                .force = false};
      case Adopt::kAlways:
        return {.step = Step::kApply,
                .detail = "adopting an object that exists without steward's marks (forced)",
                .exists = true};
    }
  }
  const bool applied_this = applied_hash(*in.live.object) == memo.body.hash;
  return {.step = Step::kApply,
          .detail = applied_this ? drift.path + " " + drift.reason : "desired state changed",
          .exists = true,
          .confirm_drift = applied_this && !memo.projection};
}

// A Namespace or a CustomResourceDefinition that steward's objects still depend on: waits for
// them to be gone, or nullopt. Deleting a Namespace or a CRD deletes what it holds or defines, in
// an order nobody chose, and a custom resource's finalizer may need its CRD to still be served;
// steward deletes its own objects first, each with its own checks (issue 17).
std::optional<Action> wait_for_dependents(const PlanInput& in, const PlanPolicy& policy) {
  const auto waiting = [](std::string detail) {
    return Action{.step = Step::kWait, .detail = std::move(detail)};
  };
  if (in.key.group.empty() && in.key.kind == "Namespace" && policy.objects_in_namespace) {
    if (const std::size_t n = policy.objects_in_namespace(in.key.name); n > 0) {
      return waiting("prune of Namespace " + in.key.name + " waits until steward's " +
                     std::to_string(n) + " object" + (n == 1 ? "" : "s") + " in it " +
                     (n == 1 ? "is" : "are") + " gone");
    }
  }
  if (in.key.group == "apiextensions.k8s.io" && in.key.kind == "CustomResourceDefinition" &&
      policy.objects_of_kind) {
    const rapidjson::Value& crd = *in.live.object;
    const std::string_view group = kube::string_at(crd, {"spec", "group"});
    const std::string_view kind = kube::string_at(crd, {"spec", "names", "kind"});
    if (const std::size_t n = policy.objects_of_kind(group, kind); n > 0) {
      return waiting("prune of CustomResourceDefinition " + in.key.name +
                     " waits until its custom resources are gone (steward's " + std::to_string(n) +
                     " " + std::string(kind) + " in " + std::string(group) + ")");
    }
  }
  return std::nullopt;
}

Action plan_not_desired(const PlanInput& in, const PlanPolicy& policy) {
  if (!in.live.object) return {.detail = "absent"};
  const rapidjson::Value& live = *in.live.object;
  if (owning_source(live).empty()) return {.detail = "not steward's"};
  const std::optional<std::string> member = member_source(live, policy.source_of_member);
  if (!member) {
    return {.detail = "a member of inventory " + member_key(live) +
                      ", which is no source's of this instance: not steward's to prune"};
  }
  const std::string& source = *member;
  if (being_deleted(live)) return {.detail = "being deleted"};
  if (!applied_by(live, policy.field_manager)) {
    return {.detail = "carries steward's marks, but managedFields has no Apply by field manager " +
                      std::string(policy.field_manager) + ": not steward's to prune"};
  }
  if (const std::string owner = controller_of(live); !owner.empty()) {
    return {.detail = "controlled by " + owner + ": not steward's to prune"};
  }
  switch (policy.may_prune ? policy.may_prune(source) : PruneVerdict::kOff) {
    case PruneVerdict::kAllowed:
      if (auto kept = keep_departed(in, policy, live)) return *std::move(kept);
      if (auto wait = wait_for_dependents(in, policy)) return *std::move(wait);
      return {.step = Step::kPrune,
              .uid = std::string(kube::string_at(live, {"metadata", "uid"})),
              .resource_version = std::string(kube::string_at(live, {"metadata", "resourceVersion"}))};
    case PruneVerdict::kOff:
      return {.detail = "prune not allowed for source " + source};
    case PruneVerdict::kRefused:
      return {.step = Step::kFail,
              .detail = "not pruned: source " + source +
                        " would lose more than its pruneFraction of managed objects"};
    case PruneVerdict::kUndecided:
      return {.step = Step::kWait, .detail = "prune waits until every cache has synced"};
  }
  return {};
}

}  // namespace

ApplyMemo ApplyMemo::of(desired::DesiredObjectPtr desired) {
  ApplyMemo memo;
  memo.body = desired->body;
  memo.desired = std::move(desired);
  return memo;
}

ApplyMemo ApplyMemo::answered(const rapidjson::Value& answer) const {
  ApplyMemo next = *this;
  rapidjson::Document scratch;
  next.projection = kube::freeze(project(*body.object, answer, scratch.GetAllocator()));
  return next;
}

const rapidjson::Value& ApplyMemo::reference() const {
  if (projection) return *projection;
  return *body.object;
}

std::string_view to_string(Step step) {
  switch (step) {
    case Step::kNothing: return "nothing";
    case Step::kApply: return "apply";
    case Step::kPrune: return "prune";
    case Step::kWait: return "wait";
    case Step::kFail: return "fail";
    case Step::kRelease: return "release";
    case Step::kPlanned: return "planned";
  }
  return "unknown";
}

namespace {

Action plan_unsuspended(const PlanInput& in, const PlanPolicy& policy) {
  if (!in.live.type) {
    // Not served: a CRD not created yet, a kind nothing serves, or a kind that went away with its
    // objects.
    if (in.desired) return kind_not_served(in.state, *in.desired, in.live.not_served, policy);
    return {.detail = "kind not served"};
  }
  if (!in.live.synced) {
    return {.step = Step::kWait,
            .detail = "cache of " + in.live.type->qualified_resource() + " not synced",
            .waits_for_cache = true};
  }
  return in.desired ? plan_desired(in, policy) : plan_not_desired(in, policy);
}

}  // namespace

Action plan(const PlanInput& in, const PlanPolicy& policy) {
  return hold_if_suspended(in, policy,
                           hold_for_dependencies(in, policy, plan_unsuspended(in, policy)));
}

}  // namespace steward::reconcile
