#pragma once
// plan(): the one reconcile decision. Given a key's desired object, what the cluster holds for it,
// the memo of steward's last apply and the prune policy, it says what to do, and does nothing
// itself: the reconciler turns the action into an API call, `steward diff` (differ.hpp) into a
// diff. The four cases of the loop:
//
//   desired D, no live A           apply (server-side apply creates)
//   D and A, A has drifted from D  apply
//   no D, A is steward's           prune: delete with uid and resourceVersion preconditions
//   otherwise                      nothing
//
// "Drifted" is the drift rule (drift.hpp) against the apply body, or, once steward has applied this
// desired object, against the memo's projection: the live object's values at the desired paths as
// the server answered the apply. So a value the server normalises (cpu 0.5 -> 500m) costs one
// apply per desired change, not one per event. After a restart the memo is gone; an object whose
// desired-hash says steward applied this manifest is then applied only if the difference is in a
// field steward no longer owns (`Action::confirm_drift`), so a restart on a cluster in sync writes
// nothing.
//
// It never acts on a cache that has not finished its first list (a missing object might only be
// missing from the cache), creates an object only once the policy says no earlier apply tier is
// awaited (create_order.hpp), and prunes only what steward made and the policy allows: members of
// one of this instance's inventories (the part-of label, ownership.hpp), with an Apply entry of
// steward's field manager in managedFields (which only the server writes, so copied marks are not
// enough), not controlled by another object (an ownerReference with controller: true), not being
// deleted, of a source the policy lets prune. A desired object that exists as a member of another
// inventory (another steward instance's, or another tool's ApplySet) is taken over only with
// adopt: Always.
//
// A source's ignore rules (ignore_rules.hpp, issue 18) adjust the body of an object they target:
// the drift rule compares only what that body claims from the manifest, and an apply sends it
// (`Action::body`), so a field a rule leaves to someone else is never drift and never written.
//
// Prunes go in a safe order (issue 17): a Namespace only once steward's objects in it are gone,
// and a CustomResourceDefinition only once steward's objects of the kind it defines are gone
// (`PlanPolicy::objects_in_namespace`, `objects_of_kind`), so that nothing is deleted before what
// it holds or defines. Until then the prune waits. Everything else is pruned at once, which puts
// Namespaces and CRDs last. What else a Namespace holds is not plan()'s to know: the reconciler
// checks its contents (namespace_contents.hpp) just before deleting it.
//
// A manifest's opt-outs (desired/opt_outs.hpp) and a suspended source hold steward back; how, and
// what they are read from once the manifest is gone, is reconcile/opt_outs.hpp's.
//
// In a dry run (`PlanPolicy::dry_run`) nothing this run creates comes to exist, so an object that
// needs one of them would be refused for ever: one in a Namespace of the desired state that the
// cluster does not hold (404), a custom resource whose kind only a CustomResourceDefinition of the
// desired state will serve (no such kind). Its create is planned (Step::kPlanned), not sent,
// once what can be checked without the server holds: apiVersion, kind and name, and for a custom
// resource that the CRD serves its group, kind and version (a version it does not serve fails).

#include <rapidjson/document.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "desired/desired_state.hpp"
#include "desired/opt_outs.hpp"
#include "reconcile/adopt.hpp"
#include "reconcile/ignore_rules.hpp"
#include "reconcile/live_view.hpp"
#include "reconcile/ownership.hpp"

namespace steward::reconcile {

// The body for one desired object and what the server made of it: the drift memo.
struct ApplyMemo {
  desired::DesiredObjectPtr desired;  // the object the body was made from
  ApplyBody body;
  // Set after a successful apply; frozen (kube/frozen_object.hpp): one is held per applied object,
  // and a document's pool would take 64 KiB for the few hundred bytes of a typical projection.
  kube::ObjectPtr projection;

  // A memo for `desired`, with no projection yet.
  static ApplyMemo of(desired::DesiredObjectPtr desired);
  // This memo with the projection of `answer` (the server's answer to applying the body).
  ApplyMemo answered(const rapidjson::Value& answer) const;
  // What a live object is compared with: the projection once there is one, else the body.
  const rapidjson::Value& reference() const;
};

// Whether steward's objects of a source that are gone from the desired state may be deleted now.
enum class PruneVerdict {
  kAllowed,    // prune configured, the source's last load succeeded, within its fraction
  kOff,        // prune not configured, or the source has no good load: leave the object
  kRefused,    // the fraction guard refused this load's prune: leave it, report an error
  kUndecided,  // not judged yet (caches still syncing): wait and ask again
};

struct PlanPolicy {
  // The field manager of steward's applies, whose Apply entry marks what it made.
  std::string_view field_manager = kFieldManager;
  // The prune verdict for a source. Unset: never prune.
  std::function<PruneVerdict(std::string_view source)> may_prune;
  // How an object that exists without steward's marks is taken over. Unset: kIfNoConflict. The
  // caches hold only objects with steward's label, so a create may meet such an object too: it
  // is sent without force unless the source says kAlways.
  std::function<Adopt(std::string_view source)> adopt;
  // The source of this instance whose inventory a live object with member key `member`
  // (ownership.hpp) belongs to, or nullopt when it is not one of this instance's. Unset: only
  // legacy keys (objects without a part-of label) belong, to the source they name.
  std::function<std::optional<std::string>(std::string_view member)> source_of_member;
  // The earlier-tier object whose presence a create of this key waits for, or nullopt to go
  // ahead. Unset: create at once.
  std::function<std::optional<desired::ObjectKey>()> create_after;
  // Steward's objects still in namespace `ns`, which a prune of that Namespace waits for. Unset:
  // none, the Namespace is pruned at once.
  std::function<std::size_t(std::string_view ns)> objects_in_namespace;
  // Steward's objects of `kind` in `group` still there, which a prune of the
  // CustomResourceDefinition that defines them waits for. Unset: none.
  std::function<std::size_t(std::string_view group, std::string_view kind)> objects_of_kind;
  // The opt-outs of the last desired object a key that has left the desired state had (from the
  // update that removed it; reconcile/opt_outs.hpp). Unset or nullopt: not known (a restart).
  std::function<std::optional<desired::OptOuts>()> departed;
  // Whether a source is suspended: nothing is applied or pruned for it. Unset: none is.
  std::function<bool(std::string_view source)> suspended;
  // The first source that `source` depends on (sources[].dependsOn) that is not in sync and
  // Current, or nullopt when there is none: its writes wait until then. Unset: no dependencies.
  std::function<std::optional<std::string>(std::string_view source)> waiting_for;
  // The ignore rules of a source (ignore_rules.hpp). Unset or none: every field is steward's.
  std::function<std::vector<IgnoreRule>(std::string_view source)> ignore_rules;
  // A server-side dry run (reconcile.dryRun, `--dry-run`, `steward diff`): a create that needs
  // what this run only plans is planned, not sent (Step::kPlanned).
  bool dry_run = false;
  // Whether Namespace `ns` is in the cluster. Unset: every Namespace is, and no create is planned
  // for its sake.
  std::function<bool(std::string_view ns)> namespace_exists;
};

enum class Step {
  kNothing,  // in sync, absent, not steward's, or not allowed: `detail` says which
  kApply,    // server-side apply of the memo's body
  kPrune,    // delete with the preconditions below
  kWait,     // cannot act yet: `detail` says on what
  kFail,     // cannot act, and nothing steward does will change that: `detail` says why
  kRelease,  // keep the object but leave the inventory: steward's marks removed (prune: disabled)
  // Dry run only: a create not sent, since its Namespace or CRD is only planned in this run (the
  // server would refuse it): `detail` says which. Stands for a dry-run create.
  kPlanned,
};
std::string_view to_string(Step step);

struct Action {
  Step step = Step::kNothing;
  // kNothing, kWait, kFail: why. kApply of an existing object: what drifted ("desired state
  // changed" when the live object was not applied from this desired object).
  std::string detail;
  bool exists = false;          // kApply: a correction (true) or a create (false)
  // kApply: with force (steward's fields are steward's). Without, the first apply of an object
  // that exists without steward's marks (adoption): a conflict leaves it to its owner.
  bool force = true;
  // kApply of an object the cache does not hold (the caches hold only objects with steward's
  // label, so it may exist unmarked): make sure it does not before applying (adopt: Never).
  bool must_not_exist = false;
  // kApply of an object steward applied from this very manifest (its desired-hash) for which
  // there is no memo yet (after a restart): the difference may be only how the server stored
  // steward's own apply (cpu 0.5 as 500m). The reconciler reads the object's managedFields (the
  // caches drop them) and writes nothing when every differing field is still steward's
  // (drift_within, drift.hpp).
  bool confirm_drift = false;
  // kApply of an object the cache does not hold, whose manifest says create only
  // (steward.dev/reconcile: disabled, steward.dev/ssa: IfNotPresent): one that exists is left alone.
  bool create_only = false;
  // kNothing: the live object has drifted and is left so on purpose (an opt-out, a suspended
  // source); `detail` says where. Counted as drift detected, never corrected.
  bool drifted = false;
  // kNothing: steward would act but is held back on purpose (an opt-out, a suspended source):
  // `steward diff` lists it as kept.
  bool held = false;
  bool waits_for_cache = false; // kWait, kFail: on the kind's cache, which a sync ends
  bool needs_scope = false;    // kWait: the desired object's namespace is not resolved yet
  std::string error_reason;     // kFail: the Status reason it amounts to ("NotFound")
  // kPrune, kRelease: the preconditions, so that exactly the object decided on is deleted or
  // released (409 otherwise).
  std::string uid;
  std::string resource_version;
  // kApply: what to send instead of the memo's body, when ignore rules adjusted it; null: the
  // memo's body.
  std::shared_ptr<const kube::Object> body;
  // kApply, kNothing: the fields ignore rules left out of the body or sent with their live
  // values (each with its rule), for the log, steward_ignored_fields_total and `steward diff`.
  std::vector<IgnoredField> ignored;

  bool operator==(const Action&) const = default;
};

struct PlanInput {
  const desired::ObjectKey& key;
  const desired::DesiredState& state;     // the snapshot `desired` comes from
  const desired::DesiredObject* desired;  // null: the key is not desired
  const LiveLookup& live;
  const ApplyMemo* memo;  // the memo of `desired`; required when `desired` is set
};

Action plan(const PlanInput& input, const PlanPolicy& policy);

}  // namespace steward::reconcile
