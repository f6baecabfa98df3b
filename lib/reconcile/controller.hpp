#pragma once
// Controller: the closed loop, wired (docs/architecture.md, "Reconcile").
//
//   SourceSet ── load ──► desired state ── changed keys ─────────────────┐
//      │ kinds in the snapshot                                            ▼
//      └──► KindSet (informers) ── add/update/delete ──────────────────► Runner (queue, workers)
//                 ▲                                                       │ each key
//                 └──── watch events ◄── API ◄── Reconciler ◄── plan() ◄──┘
//
// Each part has one job: SourceSet (source_set.hpp) loads and holds the desired state; KindSet
// (kind_set.hpp) watches its kinds and answers the live view; PruneGuard (prune_guard.hpp) says
// whether a source may prune; Reconciler (reconciler.hpp) carries out plan()'s decision for one
// key; Runner (runner.hpp) drains the queue and requeues by outcome. The controller creates them,
// connects them, and answers for them together (status, metrics, stop).
//
// Leader election (`wait_for_leadership`): a follower loads its sources, runs its informers and
// queues keys like a leader, but starts no workers, so it writes nothing; the queue (which
// de-duplicates) holds every key seen meanwhile, and set_leading(true) starts the workers on it:
// nothing needs re-enqueueing and the caches are warm. set_leading(false) refuses every write from
// that moment, in the reconciler just before the call, so a reconcile already in flight does not
// write either; the daemon then exits (lib/manager/daemon.hpp says why).

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "desired/desired_state_store.hpp"
#include "informer/informer_manager.hpp"
#include "queue/rate_limiting_queue.hpp"
#include "reconcile/event_recorder.hpp"
#include "reconcile/inventory.hpp"
#include "reconcile/inventory_keeper.hpp"
#include "reconcile/kind_set.hpp"
#include "reconcile/prune_guard.hpp"
#include "reconcile/reconciler.hpp"
#include "reconcile/runner.hpp"
#include "reconcile/source_health_metrics.hpp"
#include "reconcile/source_set.hpp"
#include "reconcile/status_book.hpp"
#include "reconcile/status_report.hpp"

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
  // Each source's inventory (inventory.hpp): the sources' ApplySet ids are set from it, and the
  // parents are read at start, widened before applies and narrowed after prunes. Unset: no
  // inventory and no part-of label (objects are members by their legacy marks).
  std::optional<InventoryOptions> inventory;
};

// How the loop stands, for readiness, `--once` and tests.
struct ControllerStatus {
  bool sources_loaded = false;  // every source has loaded at least once
  // Every kind of the desired state has a synced informer; in a dry run, every kind but those only
  // a CRD of the desired state serves.
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
  // Sources with suspend: true: nothing applied or pruned for them, which is no failure.
  std::vector<std::string> suspended;
  // Loaded, synced, idle and no key failing: the cluster matches the desired state.
  bool in_sync() const { return sources_loaded && informers_synced && idle && failing == 0; }
  // Nothing left to try soon: every failing key failed permanently and nothing else is running.
  bool stuck() const {
    return sources_loaded && served_synced && !busy && permanent > 0 && permanent == failing;
  }
};

class Controller {
 public:
  Controller(boost::asio::io_context& io, kube::Client& client, kube::Discovery& discovery,
             ControllerOptions options);
  ~Controller();

  // Loads every source, subscribes to their kinds and starts the workers. Returns false (with the
  // errors logged) if a source failed to load; the loop runs anyway with what did load.
  bool start();
  // Re-reads one source (the file watcher, SIGHUP); a failed load keeps its last good objects.
  desired::StoreUpdate reload(const std::string& source) { return sources_.reload(source); }
  void reload_all() { sources_.reload_all(); }
  // The configuration changed while running (docs/configuration.md, "live" fields). New sources
  // are loaded and changed ones (path, default namespace, prune, fraction) reloaded. A source that
  // is gone leaves the desired state, and its objects stay in the cluster untouched: no source of
  // this instance owns them any more, so they are never pruned.
  // A source whose `suspend` changed has its keys queued again: resumed, it catches up at once.
  void update_sources(std::vector<SourceOptions> sources);
  // Grows the worker pool at once; shrinking lets surplus workers finish their current key first.
  void set_workers(int workers) { runner_.set_workers(workers); }
  void set_dry_run(bool dry_run);
  // Leader election: true starts the workers (once) and allows writes; false refuses every write
  // from now on. Any thread; quick.
  void set_leading(bool leading);

  // Stops taking keys, lets in-flight reconciles finish, stops the informers.
  void stop();

  // Cheap: the readiness checks ask on every probe.
  ControllerStatus status() const;
  // Each source's objects by health and sync state (status_book.hpp), in the config's order:
  // a pass over every desired object. `attention` caps each source's list of objects that are not
  // in sync or not Current.
  std::vector<SourceHealth> health(std::size_t attention) const;
  // Each source as `/status` shows it (status_report.hpp), in the config's order.
  std::vector<SourceReport> report(std::size_t attention = 100) const;
  // The source `source` waits for (dependsOn) before it is applied, if any.
  std::optional<std::string> waiting_for(std::string_view source) const;
  // Refreshes the queue's in-flight gauges (workqueue_unfinished_work_seconds and
  // workqueue_longest_running_processor_seconds); the metrics server calls it before each scrape.
  void update_queue_metrics() { runner_.update_queue_metrics(); }
  // How long the reconcile running longest has taken so far (zero when none runs): /healthz.
  std::chrono::steady_clock::duration longest_reconcile() const {
    return runner_.longest_running();
  }
  // Everything the metrics server refreshes before a scrape: the queue's gauges above, informer
  // health and steward_managed_objects (counted through the caches' member index).
  void update_metrics();
  ReconcileStats stats() const { return reconciler_.stats(); }
  const desired::DesiredStateStore& desired() const { return sources_.store(); }
  informer::InformerManager& informers() { return kinds_.informers(); }

 private:
  // A new desired state of `source`: its prune is judged afresh, its kinds watched, its changed
  // keys queued.
  void on_update(const std::string& source, const desired::StoreUpdate& update);
  void after_reconcile(const desired::ObjectKey& key, const Reconciled& done);
  // Queues every key of `source`: its desired objects and its inventory's members in the caches.
  void requeue_source(const SourceOptions& source);
  // Records `key`'s outcome and its live object's health in the book; queues the sources that
  // depend on its source once that source becomes ready.
  void note_status(const desired::ObjectKey& key, const Reconciled& done);
  // A CRD steward applied is established: discovery reads the group versions it serves that it
  // does not know yet, and the informers waiting for its kind look again at once (instead of
  // after their backoff, up to 10 s, and discovery's rate limit, another 10).
  void learn_established(const rapidjson::Value& crd);
  // Every object of `source` is in sync and Current (and it has loaded).
  bool source_ready(const std::string& source) const;
  // `sources` with their ApplySet ids and legacy claim set from the inventory's instance.
  std::vector<SourceOptions> with_inventory(std::vector<SourceOptions> sources) const;

  boost::asio::io_context& io_;
  kube::Discovery& discovery_;
  const ControllerOptions options_;  // its sources and workers are the starting values only
  std::unique_ptr<ReconcileMetrics> metrics_;  // reloads and managed objects; null without registry
  std::unique_ptr<SourceHealthMetrics> health_metrics_;  // likewise
  StatusBook book_;
  mutable std::mutex ready_mu_;                // guards ready_
  std::map<std::string, bool, std::less<>> ready_;  // readiness of depended-on sources, last seen
  mutable std::map<std::string, std::string, std::less<>> waiting_;  // source -> what it waits for
  EventRecorder events_;                       // before reconciler_, which records into it
  SourceSet sources_;
  KindSet kinds_;
  PruneGuard prune_guard_;
  std::unique_ptr<Inventory> inventory_;       // null without options.inventory
  std::unique_ptr<InventoryKeeper> keeper_;    // likewise
  Reconciler reconciler_;
  Runner runner_;
  std::atomic<bool> stopped_{false};
  // Expires with the controller: work it spawned that may outlive it checks this first.
  std::shared_ptr<void> alive_ = std::make_shared<int>(0);
};

}  // namespace steward::reconcile
