#include "reconcile/controller.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <algorithm>

#include "desired/apply_order.hpp"
#include "kube/resource.hpp"
#include "observe/log.hpp"
#include "reconcile/reconcile_log.hpp"
#include "reconcile/reconcile_metrics.hpp"

namespace steward::reconcile {
namespace {

// The loop's own lines (workers, the prune guard, stopping); loading sources is "desired"; each
// key's reconcile logs through reconcile_logger().
const observe::Logger kLog{"controller"};
const observe::Logger kDesiredLog{"desired"};

EventRecorderOptions event_options(const ControllerOptions& options) {
  EventRecorderOptions events = options.events;
  if (events.registry == nullptr) events.registry = options.registry;
  return events;
}

// How long stop() lets Event writes in flight finish: they hold the client, which must outlive them.
constexpr std::chrono::seconds kEventDrainTimeout{5};

// The first error of a source's latest load, for status lines: "a.yaml:3:7: ..." (+ how many more).
std::string first_error(const desired::SourceStatus& status) {
  if (status.errors.empty()) return {};
  std::string text = status.errors.front().to_string();
  if (status.errors.size() > 1) {
    text += " (and " + std::to_string(status.errors.size() - 1) + " more)";
  }
  return text;
}

}  // namespace

Controller::Controller(boost::asio::io_context& io, kube::Client& client,
                       kube::Discovery& discovery, ControllerOptions options)
    : io_(io),
      discovery_(discovery),
      options_(std::move(options)),
      informers_(io, client, discovery,
                 informer::InformerManagerOptions{
                     .label_selector = std::string(kOwnershipSelector),
                     .resync = options_.resync,
                     .watch_backoff = options_.watch_backoff,
                     .watch_unhealthy_after = options_.watch_unhealthy_after,
                     .unknown_kind_backoff = options_.unknown_kind_backoff,
                     .metrics = options_.informer_metrics}),
      queue_(queue::WorkQueueOptions{.name = "steward", .registry = options_.registry},
             queue::default_controller_rate_limiter<desired::ObjectKey, desired::ObjectKeyHash>(
                 base::SteadyClock::instance(), options_.backoff, options_.bucket)),
      events_(io, std::make_shared<ClientEventSink>(client), event_options(options_)),
      metrics_(options_.registry ? std::make_unique<ReconcileMetrics>(*options_.registry)
                                 : nullptr),
      reconciler_(client, *this, [this] { return store_.current(); },
                  ReconcilerOptions{
                      .may_prune = [this](std::string_view source) { return may_prune(source); },
                      .registry = options_.registry,
                      .events = &events_}) {
  sources_ = std::make_shared<const std::vector<SourceOptions>>(options_.sources);
  target_workers_ = std::max(1, options_.workers);
  reconciler_.set_dry_run(options_.dry_run);
  reconciler_.set_writes_enabled(!options_.wait_for_leadership);
}

Controller::~Controller() { stop(); }

desired::LoaderOptions Controller::loader_options() const {
  desired::LoaderOptions loader;
  // A kind discovery does not know yet (a CRD in the same source) stays unresolved until a
  // reload after the CRD is served.
  loader.is_namespaced = discovery_scopes(discovery_);
  return loader;
}

bool Controller::start() {
  // Scopes for the first load come from discovery. If the server is unreachable now, objects load
  // with unknown scopes and their sources are reloaded once the kinds resolve (needs_reload).
  const auto refreshed =
      boost::asio::co_spawn(io_, discovery_.refresh(), boost::asio::use_future).get();
  if (refreshed) {
    kDesiredLog.warn("discovery failed; loading without it", {{"error", refreshed->to_string()}});
  }
  bool all_loaded = true;
  for (const auto& source : *sources()) {
    const auto update = reload(source.spec.name);
    all_loaded = all_loaded && update.accepted;
  }
  if (!options_.wait_for_leadership) {
    std::lock_guard lock(mu_);
    start_workers();
  }
  return all_loaded;
}

void Controller::start_workers() {
  if (stopped_ || !workers_.empty()) return;
  for (int i = 0; i < target_workers_; ++i) {
    workers_.emplace_back([this] { worker(); });
  }
}

void Controller::set_workers(int workers) {
  workers = std::max(1, workers);
  std::lock_guard lock(mu_);
  const int running = target_workers_;
  target_workers_ = workers;
  if (workers_.empty()) return;  // not started yet (a follower): start_workers uses the target
  if (workers > running) {
    int more = workers - running;
    // Workers still due to leave stay instead, before any thread is started.
    for (int due = surplus_.load(); more > 0 && due > 0; due = surplus_.load()) {
      if (surplus_.compare_exchange_weak(due, due - 1)) --more;
    }
    for (; more > 0 && !stopped_; --more) workers_.emplace_back([this] { worker(); });
  } else {
    surplus_ += running - workers;
  }
  kLog.info("reconcile workers", {{"workers", std::to_string(workers)}});
}

std::shared_ptr<const std::vector<SourceOptions>> Controller::sources() const {
  std::lock_guard lock(sources_mu_);
  return sources_;
}

std::optional<SourceOptions> Controller::source(std::string_view name) const {
  for (const auto& s : *sources()) {
    if (s.spec.name == name) return s;
  }
  return std::nullopt;
}

void Controller::update_sources(std::vector<SourceOptions> next) {
  const auto before = sources();
  auto after = std::make_shared<const std::vector<SourceOptions>>(std::move(next));
  {
    std::lock_guard lock(sources_mu_);
    sources_ = after;
  }
  const auto find = [](const std::vector<SourceOptions>& list, const std::string& name) {
    return std::find_if(list.begin(), list.end(),
                        [&](const SourceOptions& s) { return s.spec.name == name; });
  };
  for (const auto& old : *before) {
    if (find(*after, old.spec.name) != after->end()) continue;
    kDesiredLog.info("source removed from the configuration; its objects are left as they are",
                     {{"source", old.spec.name}});
    {
      std::lock_guard lock(mu_);
      prune_allowed_.erase(old.spec.name);
    }
    const desired::StoreUpdate update = store_.remove_source(old.spec.name);
    if (update.accepted) on_update(update);
  }
  for (const auto& source : *after) {
    const auto old = find(*before, source.spec.name);
    const bool same = old != before->end() && old->spec.path == source.spec.path &&
                      old->spec.default_namespace == source.spec.default_namespace &&
                      old->prune == source.prune && old->prune_fraction == source.prune_fraction;
    if (!same) reload(source.spec.name);
  }
}

void Controller::set_leading(bool leading) {
  reconciler_.set_writes_enabled(leading);
  if (!leading) return;
  std::lock_guard lock(mu_);
  start_workers();
}

desired::StoreUpdate Controller::reload(const std::string& name) {
  const auto source = this->source(name);
  if (!source) return {};
  desired::StoreUpdate update = store_.reload(source->spec, loader_options());
  if (metrics_) metrics_->desired_reload(name, update.accepted);
  if (!update.accepted) {
    for (const auto& error : update.errors) {
      kDesiredLog.error("desired state not loaded; the last good state stays in force",
                        {{"source", name}, {"error", error.to_string()}});
    }
    return update;
  }
  kDesiredLog.info("desired state loaded",
                   {{"source", name},
                    {"objects", std::to_string(update.current->source(name)
                                                   ? update.current->source(name)->objects.size()
                                                   : 0)},
                    {"added", std::to_string(update.diff.added.size())},
                    {"changed", std::to_string(update.diff.changed.size())},
                    {"removed", std::to_string(update.diff.removed.size())}});
  {
    // A new load is judged afresh, before any of its removed keys can reach a worker.
    std::lock_guard lock(mu_);
    prune_allowed_.erase(name);
  }
  on_update(update);
  return update;
}

void Controller::reload_all() {
  for (const auto& source : *sources()) reload(source.spec.name);
}

void Controller::on_update(const desired::StoreUpdate& update) {
  update_subscriptions(*update.current);
  std::vector<desired::ObjectKey> retry;
  {
    // Before any key is queued: a worker may take a removed key at once and record its new
    // outcome (a refused prune), which must not be erased afterwards.
    std::lock_guard lock(mu_);
    for (const auto& key : update.diff.removed) failing_.erase(key);
    // Keys not desired that still failed (a prune refused by an earlier load's guard) are asked
    // again under this load's verdict rather than at the slowest backoff.
    for (const auto& [key, outcome] : failing_) {
      if (update.current->find(key) == nullptr) retry.push_back(key);
    }
  }
  // New keys by apply tier (the queue is FIFO): the reconciler holds back the creates that would
  // still come too early (create_order.hpp).
  std::vector<desired::ObjectKey> keys = update.diff.added;
  std::stable_sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
    return desired::apply_tier(a) < desired::apply_tier(b);
  });
  for (const auto& key : keys) enqueue(key);
  for (const auto& key : update.diff.changed) enqueue(key);
  for (const auto& key : update.diff.removed) enqueue(key);
  for (const auto& key : retry) enqueue(key);
}

PruneVerdict Controller::may_prune(std::string_view source) const {
  const auto configured = this->source(source);
  if (!configured || !configured->prune) return PruneVerdict::kOff;
  const auto status = store_.status(configured->spec.name);
  if (!status || !status->loaded || !status->last_load_ok) return PruneVerdict::kOff;
  // Judged against complete caches only: a cache still listing would undercount what exists. A
  // kind not served has no cache and no objects to count; waiting for it would hold every prune
  // of the source for as long as the kind is missing.
  const bool synced = served_kinds_synced();  // before mu_, which it takes
  std::lock_guard lock(mu_);
  if (const auto judged = prune_allowed_.find(source); judged != prune_allowed_.end()) {
    return judged->second ? PruneVerdict::kAllowed : PruneVerdict::kRefused;
  }
  if (!synced) return PruneVerdict::kUndecided;
  const bool allowed = within_prune_fraction(*configured);
  prune_allowed_.emplace(configured->spec.name, allowed);
  return allowed ? PruneVerdict::kAllowed : PruneVerdict::kRefused;
}

bool Controller::within_prune_fraction(const SourceOptions& source) const {
  const auto snapshot = store_.current();
  std::size_t managed = 0;
  std::size_t orphaned = 0;
  for_each_cache(watched_kinds_locked(),
                 [&](const kube::ResourceType&, const std::vector<kube::ObjectPtr>& objects) {
                   for (const auto& object : objects) {
                     if (owning_source(*object) != source.spec.name) continue;
                     ++managed;
                     if (snapshot->find(key_of(*object)) == nullptr) ++orphaned;
                   }
                 });
  if (static_cast<double>(orphaned) <= source.prune_fraction * static_cast<double>(managed)) {
    return true;
  }
  kLog.error("prune refused: it would delete more than pruneFraction of the source's "
             "managed objects; nothing of this source is pruned until a load brings it "
             "back within the fraction (or pruneFraction is raised)",
             {{"source", source.spec.name},
              {"wouldDelete", std::to_string(orphaned)},
              {"managed", std::to_string(managed)},
              {"pruneFraction", std::to_string(source.prune_fraction)}});
  return false;
}

void Controller::update_subscriptions(const desired::DesiredState& state) {
  std::lock_guard lock(mu_);
  if (stopped_) return;
  for (const auto& [api_version, kind] : state.types()) {
    // One version per group and kind: a second version of the same kind is the same objects.
    auto [it, added] = watched_.try_emplace(
        {std::string(kube::split_api_version(api_version).first), kind});
    if (!added) continue;
    auto add = [this](const informer::ObjectPtr& object) { enqueue(key_of(*object)); };
    it->second = {api_version,
                  informers_.subscribe(
                      api_version, kind,
                      informer::ResourceEventHandlers{
                          .on_add = add,
                          .on_update = [this](const informer::ObjectPtr&,
                                              const informer::ObjectPtr& object) {
                            enqueue(key_of(*object));
                          },
                          .on_delete = add,
                          .on_synced = [this, group_kind = it->first] { wake(group_kind); }})};
  }
  // Kinds no longer desired keep their informer while it still caches objects of steward's (they
  // may have to be pruned); the next update after they are gone releases it.
  for (auto it = watched_.begin(); it != watched_.end();) {
    const std::string& kind = it->first.second;
    const std::string& api_version = it->second.api_version;
    const auto informer = informers_.informer(api_version, kind);
    if (state.types().count({api_version, kind}) != 0 ||
        (informer && (!informer->has_synced() || informer->store().size() > 0))) {
      ++it;
      continue;
    }
    informers_.unsubscribe(it->second.subscription);
    it = watched_.erase(it);
  }
}

void Controller::update_metrics() {
  update_queue_metrics();
  informers_.update_health_metrics();
  if (!metrics_) return;
  const auto watched = watched_kinds();
  std::set<std::string, std::less<>> ours;
  for (const auto& source : *sources()) ours.insert(source.spec.name);
  std::map<std::string, double> counts;
  for_each_cache(watched, [&](const kube::ResourceType& type,
                              const std::vector<kube::ObjectPtr>& objects) {
    double& count = counts[type.qualified_resource()];  // 0 for a kind with none of steward's
    for (const auto& object : objects) {
      if (ours.count(owning_source(*object)) != 0) ++count;
    }
  });
  metrics_->managed_objects(counts);
}

void Controller::for_each_cache(
    const Kinds& kinds,
    const std::function<void(const kube::ResourceType&, const std::vector<kube::ObjectPtr>&)>&
        visit) const {
  for (const auto& [api_version, kind] : kinds) {
    const auto informer = informers_.informer(api_version, kind);
    const auto type = informers_.resource_type(api_version, kind);
    if (informer && type) visit(*type, informer->store().list());
  }
}

Controller::Kinds Controller::watched_kinds() const {
  std::lock_guard lock(mu_);
  return watched_kinds_locked();
}

Controller::Kinds Controller::watched_kinds_locked() const {
  Kinds watched;
  for (const auto& [group_kind, w] : watched_) watched.emplace_back(w.api_version, group_kind.second);
  return watched;
}

bool Controller::served_kinds_synced() const {
  for (const auto& [api_version, kind] : watched_kinds()) {
    const auto informer = informers_.informer(api_version, kind);
    if (informer && !informer->has_synced()) return false;
  }
  return true;
}

LiveLookup Controller::find(const desired::ObjectKey& key) const {
  std::string version;
  {
    std::lock_guard lock(mu_);
    const auto watched = watched_.find({key.group, key.kind});
    if (watched == watched_.end()) return {};
    version = watched->second.api_version;
  }
  const auto informer = informers_.informer(version, key.kind);
  std::optional<kube::ResourceType> type = informers_.resource_type(version, key.kind);
  if (!informer || !type) {
    // Discovery's table is swapped only after a complete read, so a non-empty one that lacks the
    // kind is the server's answer, not a failure to ask.
    return {.not_served = discovery_.resource_count() > 0 && !discovery_.find(version, key.kind)};
  }
  const std::string store_key = type->namespaced ? key.ns + "/" + key.name : key.name;
  kube::ObjectPtr object = informer->store().get(store_key);
  return LiveLookup{std::move(type), informer->has_synced(), std::move(object)};
}

void Controller::worker() {
  // Leaves after a key when the pool has shrunk (set_workers).
  const auto leaving = [this] {
    for (int due = surplus_.load(); due > 0; due = surplus_.load()) {
      if (surplus_.compare_exchange_weak(due, due - 1)) return true;
    }
    return false;
  };
  while (!leaving()) {
    auto key = queue_.get();
    if (!key) return;
    if (queue_.shutting_down()) {
      // stop(): the queue would still hand out every queued key (client-go's semantics), and a
      // burst of hundreds, throttled, outlasts any shutdown deadline. Only reconciles already
      // running finish; the next start reconciles everything again anyway.
      queue_.done(*key);
      return;
    }
    ++in_flight_;
    Reconciled done;
    const std::string reconcile_id = next_reconcile_id();
    try {
      done = boost::asio::co_spawn(io_, reconciler_.reconcile(*key, reconcile_id),
                                   boost::asio::use_future)
                 .get();
    } catch (const std::exception& e) {
      done.outcome = {Result::kTransientError, std::string("reconcile failed: ") + e.what()};
      done.telemetry.resource = resource_label(find(*key).type, *key);
      done.telemetry.reconcile_id = reconcile_id;
    }
    finish(*key, done);
    queue_.done(*key);
    --in_flight_;
  }
}

void Controller::finish(const desired::ObjectKey& key, const Reconciled& done) {
  const Outcome& outcome = done.outcome;
  // Built only for a line: an in-sync key (the common case) logs nothing.
  const auto log = [&] {
    return reconcile_logger(key, done.telemetry.resource, done.telemetry.reconcile_id);
  };
  switch (outcome.result) {
    case Result::kInSync:
      queue_.forget(key);
      break;
    case Result::kCreated:
    case Result::kCorrected:
    case Result::kPruned:
      queue_.forget(key);
      log().info(to_string(outcome.result),
                 {{"detail", outcome.detail}, {"dryRun", done.telemetry.dry_run ? "true" : "false"}});
      break;
    case Result::kWaiting:
      log().debug("waiting", {{"detail", outcome.detail}});
      if (outcome.waits_for_cache) {
        park(key);
      } else {
        queue_.add_rate_limited(key);
      }
      break;
    case Result::kTransientError:
      log().warn("reconcile failed; retrying", {{"error", outcome.detail}});
      if (outcome.retry_in) {
        queue_.add_after(key, *outcome.retry_in);
      } else {
        queue_.add_rate_limited(key);
      }
      break;
    case Result::kPermanentError:
      // Retried only at the slowest backoff: the cause is in the manifest or in permissions, and
      // a hot loop would only hammer the server. A desired change enqueues the key at once, and
      // a kind nothing served (waits_for_cache) is also retried when its cache syncs: someone
      // else has installed its CRD.
      log().error("reconcile failed", {{"error", outcome.detail}});
      queue_.add_after(key, options_.backoff.cap);
      if (outcome.waits_for_cache) park(key);
      break;
  }
  std::string reload_source;
  {
    std::lock_guard lock(mu_);
    if (is_failure(outcome.result)) {
      failing_[key] = outcome;
    } else {
      failing_.erase(key);
    }
    if (outcome.result == Result::kWaiting && outcome.needs_reload) {
      if (const auto* object = store_.current()->find(key)) {
        if (reload_pending_.insert(object->source).second) reload_source = object->source;
      }
    }
  }
  if (!reload_source.empty()) {
    // The kind of an object loaded before discovery knew it is known now: load the source again so
    // its namespace is defaulted and its key matches the live object's.
    reload(reload_source);
    std::lock_guard lock(mu_);
    reload_pending_.erase(reload_source);
  }
  if (outcome.result == Result::kPruned) update_subscriptions(*store_.current());
}

void Controller::park(const desired::ObjectKey& key) {
  const GroupKind group_kind{key.group, key.kind};
  {
    std::lock_guard lock(mu_);
    parked_[group_kind].insert(key);
  }
  // The cache may have synced since the reconciler looked: then its wake-up has run already.
  if (find(key).synced) wake(group_kind);
}

void Controller::wake(const GroupKind& group_kind) {
  std::set<desired::ObjectKey> keys;
  {
    std::lock_guard lock(mu_);
    const auto parked = parked_.find(group_kind);
    if (parked == parked_.end()) return;
    keys = std::move(parked->second);
    parked_.erase(parked);
  }
  for (const auto& key : keys) enqueue(key);
}

ControllerStatus Controller::status() const {
  ControllerStatus status;
  status.sources_loaded = true;
  for (const auto& source : *sources()) {
    const auto s = store_.status(source.spec.name);
    if (!s || !s->loaded) {
      status.sources_loaded = false;
      const std::string error = s ? first_error(*s) : std::string();
      status.not_ready.push_back("source " + source.spec.name + ": not loaded" +
                                 (error.empty() ? "" : ": " + error));
    } else if (!s->last_load_ok) {
      status.load_failures.push_back("source " + source.spec.name +
                                     ": the latest load failed, the last good state stays in "
                                     "force: " + first_error(*s));
    }
  }
  status.informers_synced = informers_.synced();
  status.served_synced = served_kinds_synced();
  for (auto& line : informers_.not_ready()) status.not_ready.push_back(std::move(line));
  status.unhealthy_informers = informers_.unhealthy();
  status.busy = queue_.len() > 0 || in_flight_.load() > 0;
  status.idle = !status.busy;
  status.desired = store_.current()->size();
  std::lock_guard lock(mu_);
  for (const auto& [source, allowed] : prune_allowed_) {
    if (!allowed) status.prune_refused.push_back(source);
  }
  status.failing = failing_.size();
  for (const auto& [key, outcome] : failing_) {
    if (outcome.result == Result::kPermanentError) ++status.permanent;
    if (status.failures.size() < 20) {
      status.failures.push_back(key.to_string() + ": " + std::string(to_string(outcome.result)) +
                                ": " + outcome.detail);
    }
  }
  return status;
}

void Controller::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  // In-flight reconciles finish (their I/O still runs); queued keys are dropped: the next start
  // lists and reconciles everything again.
  queue_.shutdown();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
  if (!events_.drain(kEventDrainTimeout)) {
    kLog.warn("stopping with Kubernetes Event writes still in flight");
  }
  informers_.stop();
}

}  // namespace steward::reconcile
