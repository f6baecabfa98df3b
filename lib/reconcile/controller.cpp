#include "reconcile/controller.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <algorithm>

#include "desired/apply_order.hpp"
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
      events_(io, std::make_shared<ClientEventSink>(client), event_options(options_)),
      sources_(discovery, options_.sources, metrics_.get()),
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
      reconciler_(client, kinds_, [this] { return sources_.current(); },
                  ReconcilerOptions{
                      .may_prune = [this](std::string_view source) {
                        return prune_guard_.verdict(source);
                      },
                      .adopt = [this](std::string_view source) {
                        const auto found = sources_.find(source);
                        return found ? found->adopt : Adopt::kIfNoConflict;
                      },
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
  reconciler_.set_dry_run(options_.dry_run);
  reconciler_.set_writes_enabled(!options_.wait_for_leadership);
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
  const bool all_loaded = sources_.reload_all();
  if (!options_.wait_for_leadership) runner_.start();
  return all_loaded;
}

void Controller::set_leading(bool leading) {
  reconciler_.set_writes_enabled(leading);
  if (leading) runner_.start();
}

void Controller::on_update(const std::string& source, const desired::StoreUpdate& update) {
  // Before any key is queued: a worker may take a removed key at once and ask for a verdict.
  prune_guard_.reset(source);
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
  for (const auto& key : update.diff.removed) runner_.add(key);
  for (const auto& key : retry) runner_.add(key);
}

void Controller::after_reconcile(const desired::ObjectKey& key, const Reconciled& done) {
  // The kind of an object loaded before discovery knew it is known now: its namespace is
  // defaulted in memory, so its key matches the live object's.
  if (done.outcome.result == Result::kWaiting && done.outcome.needs_scope) {
    sources_.resolve_scopes(key);
  }
  // A pruned kind may have no objects of steward's left to watch for.
  if (done.outcome.result == Result::kPruned) kinds_.update(*sources_.current());
}

void Controller::update_metrics() {
  runner_.update_queue_metrics();
  kinds_.informers().update_health_metrics();
  if (!metrics_) return;
  std::vector<std::string> ours;
  for (const auto& source : *sources_.all()) ours.push_back(source.spec.name);
  metrics_->managed_objects(kinds_.count_by_resource(ours));
}

ControllerStatus Controller::status() const {
  ControllerStatus status;
  SourcesStatus sources = sources_.sources_status();
  status.sources_loaded = sources.loaded;
  status.not_ready = std::move(sources.not_loaded);
  status.load_failures = std::move(sources.load_failures);
  const informer::InformerManager& informers = kinds_.informers();
  status.informers_synced = informers.synced();
  status.served_synced = kinds_.served_synced();
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
  return status;
}

void Controller::stop() {
  if (stopped_.exchange(true)) return;
  runner_.stop();
  if (!events_.drain(kEventDrainTimeout)) {
    kLog.warn("stopping with Kubernetes Event writes still in flight");
  }
  kinds_.stop();
}

}  // namespace steward::reconcile
