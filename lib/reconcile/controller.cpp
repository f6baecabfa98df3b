#include "reconcile/controller.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_future.hpp>
#include <algorithm>

#include "desired/apply_order.hpp"
#include "desired/applyset.hpp"
#include "kube/object.hpp"
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

}  // namespace

Controller::Controller(boost::asio::io_context& io, kube::Client& client,
                       kube::Discovery& discovery, ControllerOptions options)
    : io_(io),
      discovery_(discovery),
      options_(std::move(options)),
      metrics_(options_.registry ? std::make_unique<ReconcileMetrics>(*options_.registry)
                                 : nullptr),
      health_metrics_(options_.registry
                          ? std::make_unique<SourceHealthMetrics>(*options_.registry)
                          : nullptr),
      events_(io, std::make_shared<ClientEventSink>(client), event_options(options_)),
      sources_(discovery, with_inventory(options_.sources), metrics_.get()),
      kinds_(io, client, discovery,
             informer::InformerManagerOptions{
                 .label_selector = std::string(kOwnershipSelector),
                 .resync = options_.resync,
                 .watch_backoff = options_.watch_backoff,
                 .watch_unhealthy_after = options_.watch_unhealthy_after,
                 .unknown_kind_backoff = options_.unknown_kind_backoff,
                 .metrics = options_.informer_metrics},
             [this](const desired::ObjectKey& key) { runner_.add(key); }),
      prune_guard_(sources_, kinds_),
      inventory_(options_.inventory
                     ? std::make_unique<Inventory>(io, client, *options_.inventory)
                     : nullptr),
      keeper_(inventory_ ? std::make_unique<InventoryKeeper>(io, *inventory_, sources_, kinds_,
                                                             discovery)
                         : nullptr),
      reconciler_(client, kinds_, [this] { return sources_.current(); },
                  ReconcilerOptions{
                      .may_prune = [this](std::string_view source) {
                        return prune_guard_.verdict(source);
                      },
                      .adopt = [this](std::string_view source) {
                        const auto found = sources_.find(source);
                        return found ? found->adopt : Adopt::kIfNoConflict;
                      },
                      .suspended = [this](std::string_view source) {
                        const auto found = sources_.find(source);
                        return found && found->suspend;
                      },
                      .waiting_for = [this](std::string_view source) {
                        return waiting_for(source);
                      },
                      .source_of_member = [this](std::string_view member) {
                        return sources_.source_of_member(member);
                      },
                      .ignore_rules = [this](std::string_view source) {
                        const auto found = sources_.find(source);
                        return found ? found->ignore : std::vector<IgnoreRule>();
                      },
                      .cover = options_.inventory
                                   ? [this](const desired::DesiredObject& desired,
                                            const kube::ResourceType& type) {
                                       return keeper_->cover(desired, type);
                                     }
                                   : std::function<boost::asio::awaitable<Inventory::Result>(
                                         const desired::DesiredObject&,
                                         const kube::ResourceType&)>(),
                      .registry = options_.registry,
                      .events = &events_,
                      .discovery = &discovery}),
      runner_(io,
              RunnerOptions{.workers = options_.workers,
                            .backoff = options_.backoff,
                            .bucket = options_.bucket,
                            .registry = options_.registry},
              Runner::Hooks{
                  .reconcile = [this](desired::ObjectKey key, std::string id) {
                    return reconciler_.reconcile(std::move(key), std::move(id));
                  },
                  .park = [this](const desired::ObjectKey& key) { kinds_.park(key); },
                  .finished = [this](const desired::ObjectKey& key,
                                     const Reconciled& done) { after_reconcile(key, done); },
                  .resource = [this](const desired::ObjectKey& key) {
                    return resource_label(kinds_.find(key).type, key);
                  }}) {
  sources_.set_listener([this](const std::string& source, const desired::StoreUpdate& update) {
    on_update(source, update);
  });
  set_dry_run(options_.dry_run);
  reconciler_.set_writes_enabled(!options_.wait_for_leadership);
  if (keeper_) keeper_->set_writes_enabled(!options_.wait_for_leadership);
}

std::vector<SourceOptions> Controller::with_inventory(std::vector<SourceOptions> sources) const {
  if (!options_.inventory) return sources;
  const InventoryOptions& inventory = *options_.inventory;
  for (auto& source : sources) join_inventory(source, inventory.instance, inventory.ns);
  return sources;
}

void Controller::set_dry_run(bool dry_run) {
  reconciler_.set_dry_run(dry_run);
  if (keeper_) keeper_->set_dry_run(dry_run);
}

Controller::~Controller() { stop(); }

bool Controller::start() {
  // Scopes for the first load come from discovery. If the server is unreachable now, objects load
  // with unknown scopes, resolved once their kinds are known (SourceSet::resolve_scopes).
  const auto refreshed =
      boost::asio::co_spawn(io_, discovery_.refresh(), boost::asio::use_future).get();
  if (refreshed) {
    kDesiredLog.warn("discovery failed; loading without it", {{"error", refreshed->to_string()}});
  }
  // Before the first load queues any key: the kinds the inventories list are watched with the
  // desired ones from the start.
  if (keeper_) keeper_->start();
  const bool all_loaded = sources_.reload_all();
  if (!options_.wait_for_leadership) runner_.start();
  return all_loaded;
}

void Controller::set_leading(bool leading) {
  reconciler_.set_writes_enabled(leading);
  if (keeper_) keeper_->set_writes_enabled(leading);
  if (leading) runner_.start();
}

void Controller::on_update(const std::string& source, const desired::StoreUpdate& update) {
  // Before any key is queued: a worker may take a removed key at once and ask for a verdict.
  prune_guard_.reset(source);
  // Before any key is queued: whether a removed key is kept is its last manifest's to say.
  if (update.previous) reconciler_.note_departed(*update.previous, update.diff.removed);
  kinds_.update(*update.current);
  // Before any key is queued too: a worker may take a removed key at once and record its new
  // outcome (a refused prune), which must not be erased afterwards.
  const std::vector<desired::ObjectKey> retry =
      runner_.settle(update.diff.removed, [&](const desired::ObjectKey& key) {
        return update.current->find(key) != nullptr;
      });
  // New keys by apply tier (the queue is FIFO): the reconciler holds back the creates that would
  // still come too early (create_order.hpp).
  std::vector<desired::ObjectKey> keys = update.diff.added;
  std::stable_sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
    return desired::apply_tier(a) < desired::apply_tier(b);
  });
  for (const auto& key : keys) runner_.add(key);
  for (const auto& key : update.diff.changed) runner_.add(key);
  book_.forget(update.diff.removed);
  for (const auto& key : update.diff.removed) runner_.add(key);
  for (const auto& key : retry) runner_.add(key);
  // A kind may have left the desired state with nothing of it in the cluster.
  if (keeper_) keeper_->tidy();
}

void Controller::after_reconcile(const desired::ObjectKey& key, const Reconciled& done) {
  note_status(key, done);
  // The kind of an object loaded before discovery knew it is known now: its namespace is
  // defaulted in memory, so its key matches the live object's.
  if (done.outcome.result == Result::kWaiting && done.outcome.needs_scope) {
    sources_.resolve_scopes(key);
  }
  // A pruned kind may have no objects of steward's left to watch for.
  if (done.outcome.result == Result::kPruned) kinds_.update(*sources_.current());
  // An object that left the desired state is gone, or going: its inventory may list less now.
  if (keeper_ && (done.outcome.result == Result::kPruned ||
                  (done.outcome.result == Result::kInSync && !sources_.current()->find(key)))) {
    keeper_->tidy();
  }
}

void Controller::note_status(const desired::ObjectKey& key, const Reconciled& done) {
  const auto state = sources_.current();
  const desired::DesiredObject* desired = state->find(key);
  if (desired == nullptr) return;  // a prune: the book forgot the key when it left
  const auto now = std::chrono::system_clock::now();
  const LiveLookup live = kinds_.find(key);
  health::Health health{health::Status::NotFound, "NotFound", "not in the cluster"};
  if (live.object) {
    health = health::compute(
        *live.object,
        {.has_status_subresource = live.type && live.type->status_subresource, .now = now});
  }
  if (live.object && key.kind == "CustomResourceDefinition" &&
      key.group == "apiextensions.k8s.io" && health.status == health::Status::Current) {
    learn_established(*live.object);
  }
  book_.record(key, desired->source, done, reconciler_.dry_run(), std::move(health), now);

  // Sources waiting for this one are queued again once it is ready: their keys wait with a
  // backoff that may have grown long, and nothing else would wake them.
  const auto sources = sources_.all();
  std::vector<const SourceOptions*> dependents;
  for (const SourceOptions& source : *sources) {
    const auto& deps = source.depends_on;
    if (std::find(deps.begin(), deps.end(), desired->source) != deps.end()) {
      dependents.push_back(&source);
    }
  }
  if (dependents.empty()) return;
  const bool ready = source_ready(desired->source);
  {
    std::lock_guard guard(ready_mu_);
    bool& was = ready_[desired->source];
    const bool became_ready = ready && !was;
    was = ready;
    if (!became_ready) return;
  }
  kLog.info("source ready: queueing the sources that depend on it",
            {{"source", desired->source}});
  for (const SourceOptions* dependent : dependents) requeue_source(*dependent);
}

void Controller::learn_established(const rapidjson::Value& crd) {
  const std::string group(kube::string_at(crd, {"spec", "group"}));
  const std::string_view kind = kube::string_at(crd, {"spec", "names", "kind"});
  const rapidjson::Value* versions = kube::value_at(crd, {"spec", "versions"});
  if (group.empty() || versions == nullptr || !versions->IsArray()) return;
  std::vector<std::string> unknown;
  for (const auto& version : versions->GetArray()) {
    const rapidjson::Value* served = kube::value_at(version, {"served"});
    if (served == nullptr || !served->IsBool() || !served->GetBool()) continue;
    const std::string name(kube::string_at(version, {"name"}));
    if (!name.empty() && !discovery_.find(group + "/" + name, kind)) unknown.push_back(name);
  }
  if (unknown.empty()) return;  // known already: a resync of an old CRD
  boost::asio::co_spawn(
      io_,
      [this, alive = std::weak_ptr<void>(alive_), group,
       unknown]() -> boost::asio::awaitable<void> {
        // Discovery outlives the controller (its owner's); the informers are the controller's,
        // which may be gone by the time the reads come back.
        kube::Discovery& discovery = discovery_;
        for (const std::string& version : unknown) {
          if (auto error = co_await discovery.learn(group, version)) {
            kLog.debug("discovery of an established CRD's version failed",
                       {{"groupVersion", group + "/" + version}, {"error", error->to_string()}});
          }
        }
        if (auto still = alive.lock(); still && !stopped_) kinds_.informers().retry_unresolved();
      },
      boost::asio::detached);
}

bool Controller::source_ready(const std::string& source) const {
  const auto status = sources_.status(source);
  if (!status || !status->loaded) return false;
  const auto state = sources_.current();
  const desired::SourceObjects* objects = state->source(source);
  return book_.ready(source, objects ? objects->objects.size() : 0);
}

std::optional<std::string> Controller::waiting_for(std::string_view source) const {
  const auto found = sources_.find(source);
  if (!found) return std::nullopt;
  for (const std::string& dependency : found->depends_on) {
    if (source_ready(dependency)) continue;
    // Once per wait, not per key or reconcile.
    std::lock_guard guard(ready_mu_);
    if (waiting_[std::string(source)] != dependency) {
      waiting_[std::string(source)] = dependency;
      kLog.info("source waits for its dependency: nothing is applied or pruned for it until then",
                {{"source", std::string(source)}, {"dependsOn", dependency},
                 {"detail", "waiting for source " + dependency +
                                " (dependsOn): not in sync and Current"}});
    }
    return dependency;
  }
  std::lock_guard guard(ready_mu_);
  waiting_.erase(std::string(source));
  return std::nullopt;
}

void Controller::update_sources(std::vector<SourceOptions> sources) {
  const auto before = sources_.all();
  sources_.update(with_inventory(std::move(sources)));
  for (const SourceOptions& source : *sources_.all()) {
    const auto old = std::find_if(before->begin(), before->end(), [&](const SourceOptions& s) {
      return s.spec.name == source.spec.name;
    });
    if (old != before->end() && old->depends_on != source.depends_on) {
      requeue_source(source);  // a dependency dropped or added: writes may go ahead or wait now
    }
    if (old == before->end() || old->suspend == source.suspend) continue;
    kLog.info(source.suspend ? "source suspended: nothing is applied or pruned for it"
                             : "source resumed",
              {{"source", source.spec.name}});
    requeue_source(source);
  }
}

void Controller::requeue_source(const SourceOptions& source) {
  const auto state = sources_.current();
  if (const desired::SourceObjects* objects = state->source(source.spec.name)) {
    for (const auto& object : objects->objects) runner_.add(object->key);
  }
  // What left the desired state while the source was suspended is only in the caches now.
  std::vector<desired::ObjectKey> members;
  kinds_.visit_members(member_keys(source), [&](const rapidjson::Value& object) {
    members.push_back(key_of(object));
  });
  for (const auto& key : members) runner_.add(key);
}

void Controller::update_metrics() {
  runner_.update_queue_metrics();
  kinds_.informers().update_health_metrics();
  if (!metrics_) return;
  std::vector<std::string> ours;
  std::vector<std::string> names;
  for (const auto& source : *sources_.all()) {
    for (auto& key : member_keys(source)) ours.push_back(std::move(key));
    names.push_back(source.spec.name);
  }
  metrics_->known_sources(names);
  metrics_->managed_objects(kinds_.count_by_resource(ours));
  if (health_metrics_) health_metrics_->update(health(0));
}

ControllerStatus Controller::status() const {
  ControllerStatus status;
  SourcesStatus sources = sources_.sources_status();
  status.sources_loaded = sources.loaded;
  status.not_ready = std::move(sources.not_loaded);
  status.load_failures = std::move(sources.load_failures);
  const informer::InformerManager& informers = kinds_.informers();
  status.served_synced = kinds_.served_synced();
  // A dry run creates no CRD, so a kind only a CRD of the desired state serves gets no informer in
  // this run: its keys are planned creates (plan.hpp), or fail and count in `failing`.
  status.informers_synced = reconciler_.dry_run() ? kinds_.synced_or_planned(*sources_.current())
                                                  : informers.synced();
  for (auto& line : informers.not_ready()) status.not_ready.push_back(std::move(line));
  status.unhealthy_informers = informers.unhealthy();
  FailingKeys failing = runner_.failing();
  status.busy = failing.busy;
  status.idle = !status.busy;
  status.failing = failing.failing;
  status.permanent = failing.permanent;
  status.failures = std::move(failing.lines);
  status.desired = sources_.current()->size();
  status.prune_refused = prune_guard_.refused();
  for (const auto& source : *sources_.all()) {
    if (source.suspend) status.suspended.push_back(source.spec.name);
  }
  return status;
}

std::vector<SourceHealth> Controller::health(std::size_t attention) const {
  const auto state = sources_.current();
  std::vector<SourceHealth> sources;
  for (const auto& source : *sources_.all()) {
    sources.push_back(book_.source(*state, source.spec.name, attention));
  }
  return sources;
}

std::vector<SourceReport> Controller::report(std::size_t attention) const {
  const auto state = sources_.current();
  const std::vector<std::string> refused = prune_guard_.refused();
  std::vector<SourceReport> reports;
  for (const auto& source : *sources_.all()) {
    const std::string& name = source.spec.name;
    reports.push_back(
        {.name = name,
         .path = source.spec.path.string(),
         .suspended = source.suspend,
         .waiting_for = waiting_for(name),
         .prune_refused = std::find(refused.begin(), refused.end(), name) != refused.end(),
         .load = sources_.status(name),
         .health = book_.source(*state, name, attention)});
  }
  return reports;
}

void Controller::stop() {
  if (stopped_.exchange(true)) return;
  runner_.stop();
  if (keeper_) keeper_->stop();
  if (!events_.drain(kEventDrainTimeout)) {
    kLog.warn("stopping with Kubernetes Event writes still in flight");
  }
  kinds_.stop();
}

}  // namespace steward::reconcile
