#pragma once
// Reconciler: one key at a time. It looks the key up (the desired snapshot, the live view, the
// memo of its last apply), asks plan() (plan.hpp) what to do, and carries that out: a server-side
// apply, a delete with preconditions (for a Namespace, only once its contents check passes:
// namespace_contents.hpp), or nothing. It reports a Reconciled (outcome.hpp): the
// outcome the runner turns into a requeue, and the telemetry its logs, metrics and Events carry.
// It knows nothing of queues.
//
// Opt-outs (reconcile/opt_outs.hpp): a create-only manifest's create is preceded by a GET; a
// manifest with steward.dev/force: enabled whose apply the server refuses for an immutable field
// (422) is deleted with uid and resourceVersion preconditions and applied again, with a Warning
// Event; a kept object leaving the desired state is released (steward's labels removed by a merge
// patch). The opt-outs of keys that left the desired state are kept in memory (note_departed)
// until their key settles.
//
// After a restart there is no memo: a live object whose desired-hash annotation equals the current
// desired object's hash and that differs from the body is read once (a GET, for the managedFields
// the caches drop). If every differing field is still owned by steward's Apply, the difference is
// the server's normalisation of steward's own apply: the memo is taken from that object and
// nothing is written (plan.hpp, Action::confirm_drift). Otherwise it is applied.
//
// Reads come from the live view (the informers' caches): an in-sync key costs no API call.
// Thread-safe; the work queue guarantees one reconcile per key at a time.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "desired/desired_state.hpp"
#include "kube/client.hpp"
#include "kube/resource.hpp"
#include "reconcile/inventory.hpp"
#include "reconcile/live_view.hpp"
#include "reconcile/outcome.hpp"
#include "reconcile/plan.hpp"

namespace prometheus {
class Registry;
}

namespace steward::kube {
class Discovery;
}

namespace steward::reconcile {

class CreateOrder;
class EventRecorder;
class ReconcileMetrics;

struct ReconcilerOptions {
  // The prune policy per source. Unset: never prune.
  std::function<PruneVerdict(std::string_view source)> may_prune;
  // How each source takes over objects that exist without steward's marks. Unset: kIfNoConflict.
  std::function<Adopt(std::string_view source)> adopt;
  // Whether a source is suspended (PlanPolicy::suspended). Unset: none is.
  std::function<bool(std::string_view source)> suspended;
  // The dependency a source waits for (PlanPolicy::waiting_for). Unset: none.
  std::function<std::optional<std::string>(std::string_view source)> waiting_for;
  // Which source's inventory a member key is (PlanPolicy::source_of_member).
  std::function<std::optional<std::string>(std::string_view member)> source_of_member;
  // Each source's ignore rules (ignore_rules.hpp). Unset: none.
  std::function<std::vector<IgnoreRule>(std::string_view source)> ignore_rules;
  // Before each apply: the source's inventory lists the object's kind and namespace
  // (inventory_keeper.hpp); a failure is the apply's. Unset: no inventory.
  std::function<boost::asio::awaitable<Inventory::Result>(const desired::DesiredObject& desired,
                                                         const kube::ResourceType& type)>
      cover;
  std::string field_manager = std::string(kFieldManager);
  prometheus::Registry* registry = nullptr;
  // Kubernetes Events for creates, corrections, prunes and failed calls go here when set (in dry
  // run they are only logged).
  EventRecorder* events = nullptr;
  // The kinds a Namespace's contents check lists before the Namespace is pruned
  // (namespace_contents.hpp), read afresh for each check. Unset: no Namespace is pruned unless
  // it opts out of the check.
  kube::Discovery* discovery = nullptr;
};

// Counts for tests, benchmarks and `--once`; metrics carry the same by resource.
struct ReconcileStats {
  std::uint64_t applies = 0;   // apply calls that succeeded (creates and corrections)
  std::uint64_t prunes = 0;    // delete calls that succeeded
  std::uint64_t in_sync = 0;
  std::uint64_t errors = 0;
};

class Reconciler {
 public:
  using DesiredSource = std::function<std::shared_ptr<const desired::DesiredState>()>;

  Reconciler(kube::Client& client, const LiveView& live, DesiredSource desired,
             ReconcilerOptions options);
  ~Reconciler();

  // `reconcile_id` (next_reconcile_id()) goes into every line logged for this reconcile.
  boost::asio::awaitable<Reconciled> reconcile(desired::ObjectKey key, std::string reconcile_id);

  // Server-side dry run for every write from now on (the config's dryRun can change live).
  void set_dry_run(bool dry_run) { dry_run_.store(dry_run); }
  bool dry_run() const { return dry_run_.load(); }
  // Leader election's gate, checked just before every apply and delete: while off, a reconcile
  // that would write answers kWaiting instead ("not the leader").
  void set_writes_enabled(bool enabled) { writes_enabled_.store(enabled); }

  ReconcileStats stats() const;

  // Keys that left the desired state: their opt-outs in `previous` (the snapshot they were in)
  // decide whether a prune keeps them (PlanPolicy::departed). Call before the keys are queued.
  void note_departed(const desired::DesiredState& previous,
                     const std::vector<desired::ObjectKey>& removed);

 private:
  std::shared_ptr<const ApplyMemo> memo_for(const desired::DesiredObjectPtr& desired);
  void remember(const desired::ObjectKey& key, std::shared_ptr<const ApplyMemo> memo);
  void forget(const desired::ObjectKey& key);

  // Action::confirm_drift: reads the object; when it differs from `memo`'s body only in fields
  // steward's Apply still owns, remembers the memo answered by it and returns true: nothing to
  // write. False (a failed read included): apply.
  boost::asio::awaitable<bool> only_normalised(const desired::ObjectKey& key,
                                               const kube::ResourceType& type,
                                               const ApplyMemo& memo);
  boost::asio::awaitable<Reconciled> apply(const desired::ObjectKey& key,
                                           const kube::ResourceType& type, const ApplyMemo& memo,
                                           const Action& action, const rapidjson::Value* live,
                                           std::string_view reconcile_id);
  // Keeps the object, removes it from its inventory (plan.hpp, Step::kRelease).
  boost::asio::awaitable<Reconciled> release(const desired::ObjectKey& key,
                                             const kube::ResourceType& type,
                                             const rapidjson::Value& live, const Action& action,
                                             std::string_view reconcile_id);
  // After a 422 for an immutable field, with steward.dev/force: enabled: delete (preconditions
  // from the live object) and apply again.
  boost::asio::awaitable<Reconciled> recreate(const desired::ObjectKey& key,
                                              const kube::ResourceType& type,
                                              const ApplyMemo& memo, const rapidjson::Value& live,
                                              const std::string& immutable,
                                              std::string_view reconcile_id);
  std::optional<desired::OptOuts> departed(const desired::ObjectKey& key) const;
  void settle_departed(const desired::ObjectKey& key);
  boost::asio::awaitable<Reconciled> prune(const desired::ObjectKey& key,
                                           const kube::ResourceType& type,
                                           const rapidjson::Value& live, const Action& action,
                                           std::string_view reconcile_id);
  // Before a Namespace is deleted: its contents check. What to answer when it is kept (or the
  // check could not be made), nullopt to go ahead.
  boost::asio::awaitable<std::optional<Reconciled>> keep_namespace(const desired::ObjectKey& key,
                                                                   std::string_view reconcile_id);
  Reconciled error_outcome(const kube::ApiError& error, std::string_view action);
  // The fields ignore rules kept from a write in `action`, "; " between them ("" for none):
  // counted in steward_ignored_fields_total, and logged with their rules when that left the
  // object in sync.
  std::string note_ignored(const desired::ObjectKey& key, const std::string& resource,
                           const desired::DesiredObject* desired, const Action& action,
                           std::string_view reconcile_id);
  // Whether a live object is this instance's to prune: a member of one of its inventories that
  // steward applied (plan.hpp's rule, without the per-object conditions).
  bool ours(const rapidjson::Value& object) const;
  void record(const desired::ObjectKey& key, const Reconciled& done, double seconds);
  void record_event(const desired::ObjectKey& key, const Reconciled& done);

  kube::Client& client_;
  const LiveView& live_;
  const DesiredSource desired_;
  const ReconcilerOptions options_;
  std::unique_ptr<ReconcileMetrics> metrics_;
  std::unique_ptr<CreateOrder> order_;
  std::atomic<bool> dry_run_{false};
  std::atomic<bool> writes_enabled_{true};

  mutable std::mutex memo_mu_;  // guards memos_
  std::unordered_map<desired::ObjectKey, std::shared_ptr<const ApplyMemo>,
                     desired::ObjectKeyHash> memos_;

  // Keys re-created (recreate()) whose new object the cache has not shown yet, with its uid:
  // until it does, the cache's view (the old object, or none once its delete arrives) is stale,
  // and acting on it would apply again.
  std::unordered_map<desired::ObjectKey, std::string, desired::ObjectKeyHash> recreated_;  // memo_mu_
  // Whether `key` waits for the cache to show the object recreate() made (see recreated_).
  bool awaits_recreated(const desired::ObjectKey& key, bool desired, const LiveLookup& live);
  // Keys steward corrected, when the answer has another resourceVersion than the object it
  // corrected. While the cache shows an object older than the answer, its watch has not brought
  // the correction yet (a real server's watch may lag the apply's answer, and events written
  // before it, a controller's status update, still arrive), and acting on it would apply the same
  // correction again; the event that brings it queues the key. Older means: the very version
  // corrected (a version never comes back once replaced), or the same object (uid) at a lower
  // metadata.generation than the answer's (generation only grows, and a correction of the spec
  // raises it). Anything else ends the wait.
  struct Correction {
    std::string replaced_version;  // the resourceVersion of the object corrected
    std::string uid;               // the answer's
    std::int64_t generation = 0;   // the answer's; 0 when the kind keeps none
  };
  std::unordered_map<desired::ObjectKey, Correction, desired::ObjectKeyHash> corrected_;  // memo_mu_
  // Whether the cache still shows an object older than `key`'s last correction (see corrected_).
  bool awaits_correction(const desired::ObjectKey& key, const LiveLookup& live);

  mutable std::mutex departed_mu_;  // guards departed_
  std::unordered_map<desired::ObjectKey, desired::OptOuts, desired::ObjectKeyHash> departed_;

  std::atomic<std::uint64_t> applies_{0};
  std::atomic<std::uint64_t> prunes_{0};
  std::atomic<std::uint64_t> in_sync_{0};
  std::atomic<std::uint64_t> errors_{0};
};

}  // namespace steward::reconcile
