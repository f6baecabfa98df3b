#include "manager/daemon.hpp"

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <cstdlib>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>

#include "base/go_duration.hpp"
#include "desired/object_rules.hpp"
#include "desired/source_watcher.hpp"
#include "informer/informer_metrics.hpp"
#include "kube/discovery.hpp"
#include "manager/config_reload.hpp"
#include "manager/leader_elector.hpp"
#include "manager/lease_lock.hpp"
#include "manager/manager.hpp"
#include "manager/metrics_auth.hpp"
#include "manager/serving_tls.hpp"
#include "observe/build_info.hpp"
#include "observe/log.hpp"
#include "observe/process_metrics.hpp"
#include "reconcile/controller.hpp"

namespace steward::manager {
namespace {

// The daemon's own lines (start, --once); leader election's, the sources' and the client's as
// theirs. The Manager logs the rest of "main" (serving, signals, stopped).
const observe::Logger kLog{"main"};
const observe::Logger kLeaderLog{"leader"};
const observe::Logger kDesiredLog{"desired"};
const observe::Logger kKubeLog{"kube"};

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;

// A reconcile is a handful of API calls, each bounded by the client's deadlines (60 s request
// timeout, a few retries); one running for this long will not finish.
constexpr auto kStuckReconcile = std::chrono::minutes(5);

// The config file is watched beside the sources, under a name no source can have (source names
// are DNS labels).
const std::string kConfigWatch = "<config>";

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += (out.empty() ? "" : "; ") + line;
  return out;
}

reconcile::ControllerOptions controller_options(const config::StewardConfig& config,
                                                bool dry_run) {
  reconcile::ControllerOptions options;
  for (const auto& source : config.sources) {
    options.sources.push_back({.spec = {.name = source.name,
                                        .path = source.path,
                                        .default_namespace = source.default_namespace},
                               .prune = source.prune,
                               .prune_fraction = source.prune_fraction,
                               .adopt = source.adopt,
                               .suspend = source.suspend,
                               .ignore = source.ignore,
                               .depends_on = source.depends_on});
  }
  options.workers = config.reconcile.workers;
  options.dry_run = dry_run || config.reconcile.dry_run;
  options.resync = std::chrono::duration_cast<std::chrono::seconds>(config.reconcile.resync_period);
  options.backoff.base = config.reconcile.rate_limiter.base_delay;
  options.backoff.cap = config.reconcile.rate_limiter.max_delay;
  options.bucket.qps = config.reconcile.rate_limiter.qps;
  options.bucket.burst = config.reconcile.rate_limiter.burst;
  return options;
}


// Lease requests get a client of their own, as controller-runtime gives them: a burst of applies
// must not hold a renewal back in the shared throttle. Each request is bounded by the renew
// deadline and sent once (the elector itself tries again every retry period), so a hung server
// cannot keep a renewal, or the shutdown that waits for it, going much past the deadline. Its
// breaker never opens: the elector already sends one request per retry period, and failing fast
// for an open period would only hold back the renewal or acquisition once the server is back. No
// metrics: its breaker gauge would collide with the main client's for the same host.
kube::ClientOptions election_client_options(kube::ClientOptions options,
                                            const config::LeaderElectionConfig& election) {
  options.registry = nullptr;
  options.breaker.failure_threshold = std::numeric_limits<int>::max();
  options.retry.max_attempts = 1;
  const auto bound = std::chrono::duration_cast<std::chrono::milliseconds>(election.renew_deadline);
  options.transport.connect_timeout = std::min(options.transport.connect_timeout, bound);
  options.transport.request_timeout = std::min(options.transport.request_timeout, bound);
  return options;
}

// One line per move of the API client's circuit breaker: opening is a warning (steward stops
// calling the server for the period), probing and closing are info. A long outage makes two
// lines per open period, not one per refused request.
kube::CircuitBreaker::Observer breaker_logger(std::string server) {
  return [server = std::move(server)](const kube::CircuitBreaker::Transition& t) {
    using State = kube::CircuitBreaker::State;
    const std::string from(kube::to_string(t.from));
    switch (t.to) {
      case State::open:
        kKubeLog.warn("circuit breaker open: failing fast",
                      {{"server", server}, {"from", from},
                       {"openFor", base::format_duration(t.open_for)}});
        break;
      case State::half_open:
        kKubeLog.info("circuit breaker half-open: probing", {{"server", server}});
        break;
      case State::closed:
        kKubeLog.info("circuit breaker closed", {{"server", server}});
        break;
    }
  };
}

// One line when the server starts refusing steward's credentials even after they were read
// again (the readiness api check fails from then), and one when it accepts them again. Never the
// credentials themselves.
std::function<void(bool)> credentials_logger(std::string server) {
  return [server = std::move(server)](bool rejected) {
    if (rejected) {
      kKubeLog.warn("credentials rejected: the API server answers 401 Unauthorized",
                    {{"server", server}});
    } else {
      kKubeLog.info("credentials accepted again", {{"server", server}});
    }
  };
}

std::shared_ptr<prometheus::Registry> registry_with_build_info() {
  auto registry = std::make_shared<prometheus::Registry>();
  const auto& build = observe::build_info();
  prometheus::BuildGauge()
      .Name("steward_build_info")
      .Help("Always 1; the labels say which build is running.")
      .Register(*registry)
      .Add({{"version", std::string(build.version)}, {"commit", std::string(build.commit)}})
      .Set(1);
  return registry;
}

// The objects of `sources` (not suspended: nothing is applied for those) whose health is `only`,
// or, without it, not Current; as "Deployment apps/web in ns: Failed (ProgressDeadlineExceeded:
// ...)" lines.
std::vector<std::string> unhealthy(const std::vector<reconcile::SourceHealth>& sources,
                                   const std::vector<std::string>& suspended,
                                   std::optional<health::Status> only = std::nullopt) {
  std::vector<std::string> lines;
  for (const auto& source : sources) {
    if (std::find(suspended.begin(), suspended.end(), source.name) != suspended.end()) continue;
    for (const auto& object : source.attention) {
      const health::Status health = object.health.status;
      if (only ? health != *only : health == health::Status::Current) continue;
      std::string line = object.key.to_string() + ": " + std::string(health::to_string(health));
      if (!object.health.reason.empty() || !object.health.message.empty()) {
        line += " (" + object.health.reason +
                (object.health.message.empty() ? "" : ": " + object.health.message) + ")";
      }
      lines.push_back(std::move(line));
    }
  }
  return lines;
}

// --once: ends the run with 0 once the cluster matches, 1 when it cannot. With --wait, "matches"
// also means every object is Current, and one Failed object ends it with 1 at once. It waits for
// a state, not an event, so it looks every 50 ms; the daemon never polls.
class OnceWaiter final : public Runnable {
 public:
  OnceWaiter(Manager& manager, reconcile::Controller& controller, const bool& loaded,
             std::chrono::seconds timeout, bool wait)
      : manager_(manager),
        controller_(controller),
        loaded_(loaded),
        timeout_(timeout),
        wait_(wait) {}

  void start() override {
    if (!loaded_) manager_.request_stop(kExitFailure);
    thread_ = std::thread([this] { wait(); });
  }
  void stop() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void wait() {
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::milliseconds(50), [&] { return stopping_; })) {
      if (manager_.stop_requested()) continue;
      const auto status = controller_.status();
      // Every object that needs attention is listed when waiting for health: each is named.
      const auto sources = wait_ ? controller_.health(kAllObjects)
                                 : std::vector<reconcile::SourceHealth>();
      if (wait_) {
        if (auto failed = unhealthy(sources, status.suspended, health::Status::Failed);
            !failed.empty()) {
          for (const auto& line : failed) kLog.error("object failed", {{"object", line}});
          kLog.error("not healthy: an object is Failed", {{"failed", join(failed)}});
          manager_.request_stop(kExitFailure);
          continue;
        }
      }
      const bool healthy = !wait_ || unhealthy(sources, status.suspended).empty();
      if (status.in_sync() && healthy) {
        const auto stats = controller_.stats();
        kLog.info("in sync", {{"objects", std::to_string(status.desired)},
                              {"applies", std::to_string(stats.applies)},
                              {"prunes", std::to_string(stats.prunes)},
                              {"suspended", join(status.suspended)}});
        for (const auto& source : status.suspended) {
          kLog.warn("source suspended: nothing was applied or pruned for it",
                    {{"source", source}});
        }
        manager_.request_stop(kExitOk);
      } else if (status.stuck() || std::chrono::steady_clock::now() > deadline) {
        if (!status.in_sync()) {
          kLog.error("not in sync", {{"failing", join(status.failures)},
                                     {"notReady", join(status.not_ready)}});
        }
        if (wait_) {
          const auto waiting = unhealthy(sources, status.suspended);
          for (const auto& line : waiting) kLog.error("object not Current", {{"object", line}});
          if (!waiting.empty()) {
            kLog.error("not healthy at the timeout", {{"notCurrent", join(waiting)}});
          }
        }
        manager_.request_stop(kExitFailure);
      }
    }
  }

  Manager& manager_;
  reconcile::Controller& controller_;
  const bool& loaded_;
  const std::chrono::seconds timeout_;
  const bool wait_;
  // --wait names every object that needs attention, not the first 100 per source.
  static constexpr std::size_t kAllObjects = std::numeric_limits<std::size_t>::max();
  std::mutex mu_;  // guards stopping_
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

// The daemon's objects, in the order they are built. The Manager comes first (everything else
// runs on its io_context) and is told to stop its I/O threads before the rest goes
// (manager.hpp: the handlers they leave must be destroyed while what they use exists).
class Daemon {
 public:
  explicit Daemon(const DaemonOptions& o);
  ~Daemon() { manager_.stop_io(); }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  int run() { return manager_.run(); }

 private:
  void add_parts();
  void add_checks();
  void start_source_watching();

  const DaemonOptions& o_;
  const bool election_;
  std::shared_ptr<prometheus::Registry> registry_ = registry_with_build_info();
  informer::InformerMetrics informer_metrics_{*registry_};
  observe::ProcessMetrics process_metrics_{*registry_};
  // Writes pass only while this replica leads (with leader election; else client_ has no fence).
  kube::WriteFence fence_{false};
  Manager manager_;
  kube::Client client_;
  kube::Discovery discovery_{client_};
  reconcile::Controller controller_;
  bool loaded_ = false;  // the controller's first load of every source succeeded
  std::optional<kube::Client> election_client_;
  std::optional<KubeLeaseLock> lease_lock_;
  std::optional<LeaderElector> elector_;
  std::future<void> campaign_;
  // Reloads run on a thread of their own: reading a large directory must not stall the I/O.
  boost::asio::thread_pool reloads_{1};
  std::optional<ConfigReload> config_reload_;
  std::optional<desired::SourceWatcher> watcher_;
};

Daemon::Daemon(const DaemonOptions& o)
    : o_(o),
      election_(o.config.leader_election.enabled),
      manager_(ManagerOptions{
          .serve = !o.once,
          .metrics_bind_address = o.metrics_address.empty() ? o.config.metrics.bind_address
                                                            : o.metrics_address,
          .health_bind_address =
              o.probe_address.empty() ? o.config.health.bind_address : o.probe_address,
          .registry = registry_.get(),
          .signal_exit_code = o.once ? kExitFailure : kExitOk,
          .on_hangup =
              [this] {
                kLog.info("SIGHUP: reloading the config and every source");
                boost::asio::post(reloads_, [this] {
                  if (config_reload_) config_reload_->reload();
                  controller_.reload_all();
                });
              },
          .graceful_shutdown_timeout = o.graceful_shutdown_timeout}),
      client_(manager_.io(), o.rest,
              [&] {
                kube::ClientOptions options = o.client;
                options.registry = registry_.get();
                options.on_breaker_change = breaker_logger(o.rest.server.to_string());
                options.on_credentials_change = credentials_logger(o.rest.server.to_string());
                if (election_) options.fence = &fence_;
                return options;
              }()),
      controller_(manager_.io(), client_, discovery_, [&] {
        reconcile::ControllerOptions options = controller_options(o.config, o.dry_run_flag);
        options.registry = registry_.get();
        options.informer_metrics = &informer_metrics_;
        options.wait_for_leadership = o.config.leader_election.enabled;
        options.inventory = reconcile::InventoryOptions{
            .instance = o.config.instance,
            .ns = steward_namespace(o.config.leader_election, o.rest),
            .tooling = "steward/v" + std::string(observe::build_info().version)};
        return options;
      }()) {
  if (election_) {
    const config::LeaderElectionConfig& election = o.config.leader_election;
    election_client_.emplace(manager_.io(), o.rest, election_client_options(o.client, election));
    lease_lock_.emplace(*election_client_, steward_namespace(election, o.rest),
                        election.lease_name);
    elector_.emplace(manager_.io(), *lease_lock_,
                     LeaderElectorOptions{
                         .lease_name = election.lease_name,
                         .lease_duration = election.lease_duration,
                         .renew_deadline = election.renew_deadline,
                         .retry_period = election.retry_period,
                         .on_started_leading =
                             [this] {
                               fence_.open();
                               controller_.set_leading(true);
                             },
                         .on_stopped_leading =
                             [this] {
                               // First: every write attempt on the wire is cut, none starts.
                               fence_.close();
                               controller_.set_leading(false);
                               if (elector_->state() != LeaderElector::State::lost) return;
                               // No graceful shutdown: a successor may start writing once the
                               // Lease expires, and this process's reconciles, Events and
                               // inventory updates must not race it. Nothing to release.
                               kLog.error("leader election lost: exiting at once so that a new "
                                          "process campaigns again",
                                          {{"exitCode", std::to_string(kExitFailure)}});
                               manager_.exit_at_once(kExitFailure);
                             },
                         .registry = registry_.get()});
  }
  if (o.metrics_secure) {
    // The reviews go through the daemon's client: its throttle, breaker and retries.
    manager_.secure_metrics(
        serving_tls_context(o.metrics_cert_dir),
        std::make_shared<MetricsAuth>(std::make_shared<KubeAccessReviewer>(client_)));
  }
  add_parts();
  add_checks();
  manager_.add_before_scrape([this] {
    controller_.update_metrics();
    process_metrics_.update();
    client_.update_metrics();
  });
  manager_.set_status([this] {
    const auto reports = controller_.report();
    bool ready = controller_.status().in_sync();
    for (const auto& report : reports) ready = ready && (report.suspended || report.ready());
    return reconcile::status_json(reports, ready, std::chrono::system_clock::now());
  });
}

void Daemon::add_parts() {
  if (election_) {
    manager_.add("lease", make_runnable(nullptr, [this] {
                   // Only now that no reconcile runs: the lease goes, then a successor may write
                   // at once.
                   elector_->stop();
                   if (campaign_.valid()) campaign_.get();
                   elector_->release().get();
                 }));
  }
  manager_.add("controller",
               make_runnable(
                   [this] {
                     const bool dry_run = o_.dry_run_flag || o_.config.reconcile.dry_run;
                     kLog.info("starting", {{"server", o_.rest.server.to_string()},
                                            {"sources", std::to_string(o_.config.sources.size())},
                                            {"dryRun", dry_run ? "true" : "false"},
                                            {"once", o_.once ? "true" : "false"}});
                     loaded_ = controller_.start();
                   },
                   [this] { controller_.stop(); }));
  if (election_) {
    manager_.add("campaign", make_runnable(
                                 [this] {
                                   kLeaderLog.info("leader election: campaigning",
                                                   {{"lease", lease_lock_->describe()},
                                                    {"identity", elector_->identity()}});
                                   campaign_ = elector_->start();
                                 },
                                 nullptr));
  }
  if (o_.once) {
    manager_.add("once",
                 std::make_unique<OnceWaiter>(manager_, controller_, loaded_, o_.once_timeout,
                                              o_.wait));
  } else {
    manager_.add("sources", make_runnable([this] { start_source_watching(); },
                                          [this] {
                                            watcher_->stop();
                                            reloads_.join();
                                          }));
  }
}

void Daemon::start_source_watching() {
  watcher_.emplace(
      manager_.io(),
      [this](const std::string& source) {
        boost::asio::post(reloads_, [this, source] {
          if (source == kConfigWatch) {
            config_reload_->reload();
          } else {
            controller_.reload(source);
          }
        });
      },
      desired::SourceWatcherOptions{
          .debounce =
              std::chrono::duration_cast<std::chrono::milliseconds>(o_.config.reconcile.debounce),
          .on_error = [](const std::string& source, const std::string& message) {
            kDesiredLog.warn("watching source", {{"source", source}, {"error", message}});
          }});
  config_reload_.emplace(
      ConfigReloadOptions{.file = o_.config_file,
                          .log_level_flag = o_.log_level_flag,
                          .dry_run_flag = o_.dry_run_flag,
                          .sources =
                              [](const config::StewardConfig& next) {
                                return controller_options(next, false).sources;
                              }},
      o_.config, controller_, &*watcher_);
  for (const auto& source : o_.config.sources) watcher_->watch(source.name, source.path);
  watcher_->watch(kConfigWatch, o_.config_file);
}

void Daemon::add_checks() {
  // The reconcile workers are not stuck (the Manager checks the I/O threads: "event-loop").
  manager_.add_healthz_check(
      {"workers",
       [this]() -> std::optional<std::string> {
         const auto longest = controller_.longest_reconcile();
         if (longest < kStuckReconcile) return std::nullopt;
         return "a reconcile has been running for " +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(longest).count()) +
                " s (every API call it makes has a deadline; it is stuck)";
       },
       nullptr});
  // Fails only while a source has never loaded. A failed reload leaves the last good state in
  // force, and the loop keeps the cluster to it: still ready, but ?verbose says which source and
  // where its error is.
  manager_.add_readyz_check({"desired-state",
                             [this]() -> std::optional<std::string> {
                               const auto status = controller_.status();
                               if (status.sources_loaded) return std::nullopt;
                               return join(status.not_ready);
                             },
                             [this]() -> std::optional<std::string> {
                               const auto status = controller_.status();
                               if (status.load_failures.empty()) return std::nullopt;
                               return join(status.load_failures);
                             }});
  // Not synced yet, or synced but unable to watch for 30 s: either way the cache does not show
  // the cluster, and drift would go unseen.
  manager_.add_readyz_check({"informers",
                             [this]() -> std::optional<std::string> {
                               const auto status = controller_.status();
                               std::vector<std::string> lines;
                               if (!status.informers_synced) lines = status.not_ready;
                               lines.insert(lines.end(), status.unhealthy_informers.begin(),
                                            status.unhealthy_informers.end());
                               if (lines.empty()) return std::nullopt;
                               return join(lines);
                             },
                             nullptr});
  manager_.add_readyz_check(
      {"api",
       [this]() -> std::optional<std::string> {
         // Half-open fails too: until its probes succeed the server is not known to be back,
         // and a check that passed between open periods would flap all outage long.
         switch (client_.breaker_state()) {
           case kube::CircuitBreaker::State::open:
             return std::string("circuit breaker open: the API server is failing");
           case kube::CircuitBreaker::State::half_open:
             return std::string("circuit breaker half-open: probing whether the API server is back");
           case kube::CircuitBreaker::State::closed:
             break;
         }
         if (client_.credentials_rejected()) {
           return std::string(
               "credentials rejected: the API server answers 401 Unauthorized to steward's token "
               "or certificate, read again");
         }
         return std::nullopt;
       },
       nullptr});
}

}  // namespace

// POD_NAMESPACE: the Downward API variable deploy/base sets, so the Lease and the inventories are
// where the pod's Role allows them even when steward is pointed at a kubeconfig.
std::string steward_namespace(const config::LeaderElectionConfig& election,
                              const kube::RestConfig& rest) {
  if (!election.ns.empty()) return election.ns;
  if (const char* pod = std::getenv("POD_NAMESPACE"); pod && desired::is_dns1123_label(pod)) {
    return pod;
  }
  return rest.default_namespace;
}

int run_daemon(const DaemonOptions& options) {
  // Once, before anything connects: the configuration is loaded once and never reloaded.
  for (const auto& warning : options.rest.warnings) {
    kKubeLog.warn("insecure cluster connection",
                  {{"server", options.rest.server.to_string()}, {"warning", warning}});
  }
  try {
    Daemon daemon(options);
    return daemon.run();
  } catch (const std::exception& e) {
    kLog.error("fatal", {{"error", e.what()}});
    return kExitFailure;
  }
}

}  // namespace steward::manager
