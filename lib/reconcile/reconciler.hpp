#pragma once
// Reconciler: one key at a time, the four cases of the loop:
//
//   desired D, no live A           apply (server-side apply creates)
//   D and A, A has drifted from D  apply
//   no D, A is steward's           prune: delete with uid and resourceVersion preconditions
//   otherwise                      nothing
//
// "Drifted" is the drift rule (drift.hpp) against the apply body, or, once steward has applied this
// desired object, against the memo: the live object's values at the desired paths as the server
// answered the apply. So a value the server normalises (cpu 0.5 -> 500m) costs one apply per
// desired change, not one per event. After a restart there is no memo: a live object whose
// desired-hash annotation equals the current desired object's hash is compared the same way and,
// if it differs only by normalisation, is applied once more and memoised.
//
// It never acts on a cache that has not finished its first list (a missing object might only be
// missing from the cache), creates an object only once the objects of earlier apply tiers are
// there (create_order.hpp: Namespaces and CRDs, then ServiceAccounts and RBAC, then the rest), and
// prunes only what the prune policy allows: objects carrying steward's label and source
// annotation, of a source of this instance that has loaded and has prune on.
//
// Reads come from the informers' caches: an in-sync key costs no API call. Thread-safe; the work
// queue guarantees one reconcile per key at a time.

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

#include "desired/desired_state.hpp"
#include "kube/client.hpp"
#include "kube/resource.hpp"
#include "reconcile/event_correlator.hpp"
#include "reconcile/ownership.hpp"

namespace prometheus {
class Registry;
}

namespace steward::reconcile {

class CreateOrder;
class EventRecorder;
class ReconcileMetrics;

// What the reconciler sees of the cluster.
struct LiveLookup {
  std::optional<kube::ResourceType> type;  // nullopt: the kind is not served (yet)
  bool synced = false;                     // its cache has delivered its first list
  kube::ObjectPtr object;                  // the cached object, or null
  // Without a type: discovery has read the server's kinds and this one is not among them (false
  // while discovery has not answered).
  bool not_served = false;
};

class LiveView {
 public:
  virtual ~LiveView() = default;
  // The key's kind in whichever version is watched for it (versions of a kind are the same objects).
  virtual LiveLookup find(const desired::ObjectKey& key) const = 0;
};

enum class Result {
  kInSync,          // nothing to do
  kCreated,         // applied; the object did not exist
  kCorrected,       // applied; the object had drifted
  kPruned,          // deleted (or already gone)
  kWaiting,         // cannot act yet (kind not served, cache not synced, scope unknown): retry
  kTransientError,  // network, 429, 5xx, conflict: retry with backoff
  kPermanentError,  // 400, 403, 422, a kind nothing serves: report, retry at the slowest backoff
};
std::string_view to_string(Result result);

struct Outcome {
  Result result = Result::kInSync;
  std::string detail;  // for logs: the drifted field, the error, what is awaited
  // Waiting on a desired object loaded before discovery knew its kind: its source must be loaded
  // again now that the kind is known.
  bool needs_reload = false;
  // Waiting for the kind's cache (its kind not served yet, or its first list not done): the key is
  // reconciled again when that cache syncs, not after a backoff that grew while it waited. Set on
  // the permanent error of a kind nothing serves too, for a CRD someone else installs later.
  bool waits_for_cache = false;
  // A transient error that said when to try again (the client's circuit breaker is open): the key
  // is queued for then rather than on its own backoff, which the refusals would only grow.
  std::optional<std::chrono::milliseconds> retry_in;
  // Set when an apply or delete was sent: which ("apply", "prune"), the object it was about (its
  // Event regards it), whether it was a server-side dry run, and, if it failed, the Status reason
  // (Conflict, Forbidden, ...; Network when there was no response).
  std::string_view call;
  ObjectReference object;
  bool dry_run = false;
  std::string error_reason;
  // The fields of the reconcile's log lines (reconcile_log.hpp): the metrics' resource label and
  // the reconcile's ID.
  std::string resource;
  std::string reconcile_id;
};

// Whether steward's objects of a source that are gone from the desired state may be deleted now.
enum class PruneVerdict {
  kAllowed,    // prune configured, the source's last load succeeded, within its fraction
  kOff,        // prune not configured, or the source has no good load: leave the object
  kRefused,    // the fraction guard refused this load's prune: leave it, report an error
  kUndecided,  // not judged yet (caches still syncing): wait and ask again
};

struct ReconcilerOptions {
  // The prune policy per source. Unset: never prune.
  std::function<PruneVerdict(std::string_view source)> may_prune;
  std::string field_manager = "steward";
  prometheus::Registry* registry = nullptr;
  // Kubernetes Events for creates, corrections, prunes and failed calls go here when set (in dry
  // run they are only logged).
  EventRecorder* events = nullptr;
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
  boost::asio::awaitable<Outcome> reconcile(desired::ObjectKey key, std::string reconcile_id);

  // Server-side dry run for every write from now on (the config's dryRun can change live).
  void set_dry_run(bool dry_run) { dry_run_.store(dry_run); }
  bool dry_run() const { return dry_run_.load(); }
  // Leader election's gate, checked just before every apply and delete: while off, a reconcile
  // that would write answers kWaiting instead ("not the leader").
  void set_writes_enabled(bool enabled) { writes_enabled_.store(enabled); }

  ReconcileStats stats() const;

 private:
  // Per key: the body for the current desired object and what the server made of it.
  struct Memo {
    desired::DesiredObjectPtr desired;  // the object the body was made from
    ApplyBody body;
    std::shared_ptr<const rapidjson::Document> projection;  // after a successful apply
  };
  std::shared_ptr<const Memo> memo_for(const desired::DesiredObjectPtr& desired);
  void remember_apply(const desired::ObjectKey& key, const std::shared_ptr<const Memo>& memo,
                      const rapidjson::Value& answer);
  void forget(const desired::ObjectKey& key);

  boost::asio::awaitable<Outcome> apply(const desired::ObjectKey& key,
                                        const kube::ResourceType& type,
                                        std::shared_ptr<const Memo> memo, bool exists,
                                        std::string_view reconcile_id);
  boost::asio::awaitable<Outcome> prune(const desired::ObjectKey& key,
                                        const kube::ResourceType& type,
                                        const kube::ObjectPtr& live,
                                        std::string_view reconcile_id);
  Outcome error_outcome(const kube::ApiError& error, std::string_view action);
  void record(const desired::ObjectKey& key, const Outcome& outcome, double seconds);
  void record_event(const desired::ObjectKey& key, const Outcome& outcome);

  kube::Client& client_;
  const LiveView& live_;
  const DesiredSource desired_;
  const ReconcilerOptions options_;
  std::unique_ptr<ReconcileMetrics> metrics_;
  std::unique_ptr<CreateOrder> order_;
  std::atomic<bool> dry_run_{false};
  std::atomic<bool> writes_enabled_{true};

  mutable std::mutex memo_mu_;  // guards memos_
  std::unordered_map<desired::ObjectKey, std::shared_ptr<const Memo>,
                     desired::ObjectKeyHash> memos_;

  std::atomic<std::uint64_t> applies_{0};
  std::atomic<std::uint64_t> prunes_{0};
  std::atomic<std::uint64_t> in_sync_{0};
  std::atomic<std::uint64_t> errors_{0};
};

}  // namespace steward::reconcile
