#pragma once
// Controller: the closed loop, wired (docs/architecture.md, "Reconcile").
//
//   sources ── load ──► DesiredStateStore ── changed keys ──────────────┐
//                           │ kinds in the snapshot                      ▼
//                           └──► InformerManager ── add/update/delete ──► RateLimitingQueue
//                                      ▲                                  │ N worker threads
//                                      └──── watch events ◄── API ◄── Reconciler (apply / prune)
//
// Each worker thread takes a key, runs the reconcile coroutine on the I/O threads and waits for it
// (the queue guarantees one reconcile per key at a time), then acts on the outcome: success forgets
// the key's failures; transient errors and waiting come back with rate-limited backoff, except a
// key waiting for its kind's cache, which comes back when that cache syncs; permanent errors come
// back only after the slowest backoff, so they cannot hot-loop (one of a kind nothing served comes
// back when that kind's cache syncs too: someone else installed its CRD). stop() lets the
// reconciles that are running finish and drops the queued keys.
//
// Prune is allowed for a source only when it is configured with prune, its most recent load
// succeeded, and that load would not delete more than `prune_fraction` of the source's managed
// objects (a guard against an emptied or truncated directory). The guard counts what is in the
// cluster, not what the previous load held: steward's objects of that source in the caches against
// those of them absent from the desired state, judged once per load and only once every cache has
// synced. So reloading the same truncated directory, another source loading, or a restart with the
// truncated directory cannot lift it; a load that brings the source back within its fraction
// does, and so does raising `prune_fraction` (1 allows any prune: the operator's way to force).
// Kinds that leave the desired state keep their informer until steward's objects of that kind are
// pruned, so they can be pruned.
//
// Leader election (`wait_for_leadership`): a follower loads its sources, runs its informers and
// queues keys like a leader, but starts no workers, so it writes nothing; the queue (which
// de-duplicates) holds every key seen meanwhile, and set_leading(true) starts the workers on it:
// nothing needs re-enqueueing and the caches are warm. set_leading(false) refuses every write from
// that moment, in the reconciler just before the call, so a reconcile already in flight does not
// write either; the daemon then exits (lib/manager/daemon.hpp says why).

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "desired/desired_state_store.hpp"
#include "informer/informer_manager.hpp"
#include "queue/rate_limiting_queue.hpp"
#include "reconcile/event_recorder.hpp"
#include "reconcile/reconciler.hpp"
#include "reconcile/source_set.hpp"

namespace steward::reconcile {

struct ControllerOptions {
  std::vector<SourceOptions> sources;
  int workers = 4;
  bool dry_run = false;
  std::chrono::seconds resync{600};
  queue::ItemExponentialOptions backoff{};
  queue::BucketOptions bucket{};
  // Between list/watch retries of each informer (tests shorten it).
  base::BackoffOptions watch_backoff{};
  // An informer without a working watch for this long fails readiness (tests shorten it).
  std::chrono::seconds watch_unhealthy_after =
      informer::InformerManagerOptions{}.watch_unhealthy_after;
  // Between discovery attempts for a kind not served yet; the informer manager's by default.
  base::BackoffOptions unknown_kind_backoff =
      informer::InformerManagerOptions{}.unknown_kind_backoff;
  prometheus::Registry* registry = nullptr;
  informer::InformerMetrics* informer_metrics = nullptr;
  // Kubernetes Events for what the loop does (their metrics go to `registry` unless set here).
  EventRecorderOptions events{};
  // Leader election: start() starts no workers and writes are off until set_leading(true).
  bool wait_for_leadership = false;
};

// How the loop stands, for readiness, `--once` and tests.
struct ControllerStatus {
  bool sources_loaded = false;  // every source has loaded at least once
  bool informers_synced = false;
  // Every kind with an informer has synced. A kind not served has none and never syncs; its
  // desired keys fail (waiting, or permanently once nothing will serve it) and count in `failing`.
  bool served_synced = false;
  // Nothing queued or in flight. Delayed keys are not counted: only a failing key is delayed (and
  // counted in `failing`); one that has since succeeded leaves a stale retry that will find it in
  // sync, which must not hold `--once` until it fires (up to the slowest backoff).
  bool idle = false;
  std::size_t desired = 0;      // objects in the desired state
  std::size_t failing = 0;      // keys whose last reconcile failed or is waiting
  std::size_t permanent = 0;    // ...of which failed permanently (retried only at the slowest pace)
  bool busy = false;            // keys queued now or in flight (delayed retries not counted)
  std::vector<std::string> not_ready;  // why not, one line each (a source never loaded: its error)
  // Informers that have held no working watch for too long, one line each: their caches are
  // frozen, so drift goes unseen. Readiness fails on them; `--once` does not wait for them.
  std::vector<std::string> unhealthy_informers;
  // Sources whose latest load failed after an earlier one succeeded: its objects are still in
  // force, so this is no reason to be not ready. One line each, with the first error's place.
  std::vector<std::string> load_failures;
  std::vector<std::string> failures;   // "key: why", the first few failing keys
  std::vector<std::string> prune_refused;  // sources whose prune the fraction guard refused
  // Loaded, synced, idle and no key failing: the cluster matches the desired state.
  bool in_sync() const { return sources_loaded && informers_synced && idle && failing == 0; }
  // Nothing left to try soon: every failing key failed permanently and nothing else is running.
  bool stuck() const {
    return sources_loaded && served_synced && !busy && permanent > 0 && permanent == failing;
  }
};

class Controller : private LiveView {
 public:
  Controller(boost::asio::io_context& io, kube::Client& client, kube::Discovery& discovery,
             ControllerOptions options);
  ~Controller() override;

  // Loads every source, subscribes to their kinds and starts the workers. Returns false (with the
  // errors logged) if a source failed to load; the loop runs anyway with what did load.
  bool start();
  // Re-reads one source (the file watcher, SIGHUP); a failed load keeps its last good objects.
  desired::StoreUpdate reload(const std::string& source);
  void reload_all();
  // The configuration changed while running (docs/configuration.md, "live" fields). New sources
  // are loaded and changed ones (path, default namespace, prune, fraction) reloaded. A source that
  // is gone leaves the desired state, and its objects stay in the cluster untouched: no source of
  // this instance owns them any more, so they are never pruned.
  void update_sources(std::vector<SourceOptions> sources);
  // Grows the worker pool at once; shrinking lets surplus workers finish their current key first.
  void set_workers(int workers);
  void set_dry_run(bool dry_run) { reconciler_.set_dry_run(dry_run); }
  // Leader election: true starts the workers (once) and allows writes; false refuses every write
  // from now on. Any thread; quick.
  void set_leading(bool leading);

  // Stops taking keys, lets in-flight reconciles finish, stops the informers.
  void stop();

  ControllerStatus status() const;
  // Refreshes the queue's in-flight gauges (workqueue_unfinished_work_seconds and
  // workqueue_longest_running_processor_seconds); the metrics server calls it before each scrape.
  void update_queue_metrics() { queue_.update_unfinished_work_metrics(); }
  // How long the reconcile running longest has taken so far (zero when none runs): /healthz.
  std::chrono::steady_clock::duration longest_reconcile() const {
    return queue_.longest_processing();
  }
  // Everything the metrics server refreshes before a scrape: the queue's gauges above and
  // steward_managed_objects (a pass over the informers' caches).
  void update_metrics();
  ReconcileStats stats() const { return reconciler_.stats(); }
  const desired::DesiredStateStore& desired() const { return store_; }
  informer::InformerManager& informers() { return informers_; }

 private:
  using Queue = queue::RateLimitingQueue<desired::ObjectKey, desired::ObjectKeyHash>;

  LiveLookup find(const desired::ObjectKey& key) const override;
  using Kinds = std::vector<std::pair<std::string, std::string>>;  // (apiVersion, kind)
  // Every kind watched; watched_kinds() takes mu_, the _locked one is for a caller holding it.
  Kinds watched_kinds() const;
  Kinds watched_kinds_locked() const;
  // Calls visit(type, objects) with the objects cached for each of `kinds` that has a cache
  // (type as discovery resolved the kind): what the prune fraction and the managed-objects gauge
  // count.
  void for_each_cache(const Kinds& kinds,
                      const std::function<void(const kube::ResourceType&,
                                               const std::vector<kube::ObjectPtr>&)>& visit) const;
  bool served_kinds_synced() const;
  desired::LoaderOptions loader_options() const;
  void on_update(const desired::StoreUpdate& update);
  void update_subscriptions(const desired::DesiredState& state);
  PruneVerdict may_prune(std::string_view source) const;
  // Whether pruning `source` now would stay within its fraction (caller holds mu_).
  bool within_prune_fraction(const SourceOptions& source) const;
  void enqueue(const desired::ObjectKey& key) { queue_.add(key); }
  using GroupKind = std::pair<std::string, std::string>;
  // A key waiting for its kind's cache is parked until that cache syncs (wake), rather than
  // retried with a per-key backoff that grows for as long as the cache is missing: after an API
  // server outage of minutes at start it would otherwise be created minutes after the sync, and
  // hundreds of waiting keys would drain the queue's token bucket for every other retry.
  void park(const desired::ObjectKey& key);
  void wake(const GroupKind& group_kind);
  void worker();
  void start_workers();  // with mu_ held
  void finish(const desired::ObjectKey& key, const Reconciled& done);

  boost::asio::io_context& io_;
  kube::Discovery& discovery_;
  const ControllerOptions options_;  // its sources and workers are the starting values only
  // The sources in force, swapped whole by update_sources (readers copy the pointer).
  std::shared_ptr<const std::vector<SourceOptions>> sources() const;
  std::optional<SourceOptions> source(std::string_view name) const;
  mutable std::mutex sources_mu_;  // guards sources_
  std::shared_ptr<const std::vector<SourceOptions>> sources_;
  desired::DesiredStateStore store_;
  informer::InformerManager informers_;
  Queue queue_;
  EventRecorder events_;                      // before reconciler_, which records into it
  std::unique_ptr<ReconcileMetrics> metrics_;  // reloads and managed objects; null without registry
  Reconciler reconciler_;
  std::vector<std::thread> workers_;  // every worker started (those that left are joined at stop)
  int target_workers_ = 0;            // guarded by mu_: how many should run once started
  std::atomic<int> surplus_{0};       // workers that should leave after their current key
  std::atomic<int> in_flight_{0};

  mutable std::mutex mu_;  // guards everything below
  // The kinds watched, by (group, kind): the apiVersion subscribed for it and the subscription.
  struct Watched {
    std::string api_version;
    informer::InformerManager::SubscriptionId subscription = 0;
  };
  std::map<GroupKind, Watched> watched_;
  std::map<GroupKind, std::set<desired::ObjectKey>> parked_;  // keys waiting for the kind's cache
  // Per source, the fraction guard's verdict on its current load: unset until judged (at the
  // first prune question once every cache has synced), reset by each accepted load.
  mutable std::map<std::string, bool, std::less<>> prune_allowed_;
  std::map<desired::ObjectKey, Outcome> failing_;             // keys whose last outcome failed
  std::set<std::string> reload_pending_;                      // sources waiting on discovery
  bool stopped_ = false;
};

}  // namespace steward::reconcile
