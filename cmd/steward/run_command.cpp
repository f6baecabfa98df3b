// steward run: the daemon. Loads the StewardConfig, connects to the API server, and keeps the
// cluster matching the configured sources until SIGTERM or SIGINT; SIGHUP (or a change of the
// config file) re-reads the config, applying what can change live, and reloads every source.
// With --once it reconciles everything once and exits: 0 when the cluster matches, 1 otherwise.
//
// Leader election (leaderElection.enabled, --leader-elect): every replica loads its sources and
// warms its caches, but only the holder of the Lease reconciles (reconcile::Controller's
// wait_for_leadership; followers are ready, so /readyz ignores leadership). Losing the lease while
// running ends the process with exit code 1, as controller-runtime does, instead of going back to
// being a candidate: writes stop at once either way (the controller's gate), but a fresh process
// is the one state that is easy to trust after a partition: no reconcile of the old term left
// running, no request of it still being retried, caches listed anew. The kubelet restarts it and
// it campaigns again. SIGTERM: intake stops, in-flight reconciles finish, then the lease is
// released (so a successor need not wait for it to expire), then exit 0.
//
// Threads: two run the io_context (every API call, watch, timer, file watch and signal;
// runtime/io_threads.hpp, which also orders their end before the objects they use), the
// reconcile workers are the controller's own, and the main thread only waits for the end.

#include <CLI/CLI.hpp>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <mutex>
#include <thread>

#include "cluster_connection.hpp"
#include "commands.hpp"
#include "config_reload.hpp"
#include "desired/object_rules.hpp"
#include "desired/source_watcher.hpp"
#include "kube/client.hpp"
#include "kube/config_error.hpp"
#include "kube/discovery.hpp"
#include "observe/log.hpp"
#include "reconcile/controller.hpp"
#include "informer/informer_metrics.hpp"
#include "observe/build_info.hpp"
#include "observe/process_metrics.hpp"
#include "manager/http_server.hpp"
#include "manager/io_threads.hpp"
#include "manager/leader_elector.hpp"
#include "manager/lease_lock.hpp"
#include "manager/steward_config.hpp"

namespace steward::cmd {
namespace {

// The daemon's own lines (start, signals, stop); leader election's and the sources' as theirs.
const observe::Logger kLog{"main"};
const observe::Logger kLeaderLog{"leader"};
const observe::Logger kDesiredLog{"desired"};
const observe::Logger kKubeLog{"kube"};

struct RunFlags {
  std::string config;
  ClusterFlags cluster;
  bool once = false;
  bool dry_run = false;
  std::string log_level;
  std::string metrics_address;
  std::string probe_address;
  int once_timeout_seconds = 300;
  // How long the graceful part of a shutdown may take (controller-runtime's
  // GracefulShutdownTimeout, 30 s by default) before the process exits anyway.
  int shutdown_timeout_seconds = 30;
  // Leader election: override leaderElection.enabled (when given), .namespace and .leaseName.
  std::optional<bool> leader_elect;
  std::string leader_election_namespace;
  std::string leader_election_id;
};

// The end of a run: set once, by a signal or by --once finishing.
class Stop {
 public:
  bool requested() {
    std::lock_guard lock(mu_);
    return exit_code_.has_value();
  }
  void request(int exit_code) {
    std::lock_guard lock(mu_);
    if (!exit_code_) exit_code_ = exit_code;
    cv_.notify_all();
  }
  // Waits for a request; with a deadline, returns nullopt when it passes first.
  std::optional<int> wait_for(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return exit_code_.has_value(); });
    return exit_code_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<int> exit_code_;
};

// Bounds the graceful part of a shutdown: if it has not finished within `timeout` (a reconcile
// stuck on a server that no longer answers), the process exits with 1 at once. It exits without
// releasing the Lease on purpose: a reconcile that may still write is running, and a successor
// must not start writing before the lease expires.
class ShutdownDeadline {
 public:
  explicit ShutdownDeadline(std::chrono::seconds timeout)
      : thread_([this, timeout] {
          std::unique_lock lock(mu_);
          if (cv_.wait_for(lock, timeout, [&] { return done_; })) return;
          kLog.error("shutdown deadline passed; exiting without finishing",
                     {{"timeoutSeconds", std::to_string(timeout.count())}});
          std::fflush(stdout);
          std::_Exit(kExitFailure);
        }) {}
  ~ShutdownDeadline() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;  // last: it starts waiting once the members above exist
};

// A reconcile is a handful of API calls, each bounded by the client's deadlines (60 s request
// timeout, a few retries); one running for this long will not finish.
constexpr auto kStuckReconcile = std::chrono::minutes(5);

// A timer on the io_context that beats every second: if the I/O threads are all blocked (a
// handler that never returns, a deadlock), the beats stop and /healthz says so. The probe server
// answers from the same threads, so with every thread stuck the probe simply times out, which the
// kubelet treats as a failure too; with one thread stuck the other answers 503 here.
class Heartbeat {
 public:
  explicit Heartbeat(boost::asio::io_context& io) : state_(std::make_shared<State>(io)) {}
  ~Heartbeat() {
    // The timer's handler holds the state, so it may run after this object is gone.
    state_->stopped = true;
    boost::asio::post(state_->timer.get_executor(), [state = state_] { state->timer.cancel(); });
  }
  void start() {
    state_->last.store(std::chrono::steady_clock::now().time_since_epoch().count());
    beat(state_);
  }
  std::optional<std::string> check() const {
    const auto last = std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(state_->last.load()));
    const auto age = std::chrono::steady_clock::now() - last;
    if (age < kLate) return std::nullopt;
    return "the I/O threads have not run a timer for " +
           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(age).count()) + " s";
  }

 private:
  static constexpr auto kLate = std::chrono::seconds(30);
  struct State {
    explicit State(boost::asio::io_context& io) : timer(io) {}
    boost::asio::steady_timer timer;
    std::atomic<std::chrono::steady_clock::rep> last{0};
    std::atomic<bool> stopped{false};
  };
  static void beat(const std::shared_ptr<State>& state) {
    state->timer.expires_after(std::chrono::seconds(1));
    state->timer.async_wait([state](const boost::system::error_code& error) {
      if (error || state->stopped) return;
      state->last.store(std::chrono::steady_clock::now().time_since_epoch().count());
      beat(state);
    });
  }
  std::shared_ptr<State> state_;
};

reconcile::ControllerOptions controller_options(const manager::StewardConfig& config,
                                                bool dry_run) {
  reconcile::ControllerOptions options;
  for (const auto& source : config.sources) {
    options.sources.push_back({.spec = {.name = source.name,
                                        .path = source.path,
                                        .default_namespace = source.default_namespace},
                               .prune = source.prune,
                               .prune_fraction = source.prune_fraction});
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

manager::LeaderElectionConfig leader_election(const manager::StewardConfig& config,
                                              const RunFlags& flags) {
  manager::LeaderElectionConfig election = config.leader_election;
  if (flags.leader_elect) election.enabled = *flags.leader_elect;
  if (!flags.leader_election_namespace.empty()) election.ns = flags.leader_election_namespace;
  if (!flags.leader_election_id.empty()) election.lease_name = flags.leader_election_id;
  return election;
}

// The Lease's namespace: the configured one; else POD_NAMESPACE (the Downward API variable
// deploy/base sets, so the Lease is where the pod's Role allows it even when steward is pointed at
// a kubeconfig); else the service account's namespace in a pod, or the kubeconfig context's; else
// "default" (rest.default_namespace already falls back to it).
std::string lease_namespace(const manager::LeaderElectionConfig& election,
                            const kube::RestConfig& rest) {
  if (!election.ns.empty()) return election.ns;
  if (const char* pod = std::getenv("POD_NAMESPACE"); pod && desired::is_dns1123_label(pod)) {
    return pod;
  }
  return rest.default_namespace;
}

// Lease requests get a client of their own, as controller-runtime gives them: a burst of applies
// must not hold a renewal back in the shared throttle. Each request is bounded by the renew
// deadline and sent once (the elector itself tries again every retry period), so a hung server
// cannot keep a renewal, or the shutdown that waits for it, going much past the deadline. Its
// breaker never opens: the elector already sends one request per retry period, and failing fast
// for an open period would only hold back the renewal or acquisition once the server is back. No
// metrics: its breaker gauge would collide with the main client's for the same host.
kube::ClientOptions election_client_options(const manager::StewardConfig& config,
                                            const manager::LeaderElectionConfig& election) {
  kube::ClientOptions options = client_options(config.cluster);
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
                       {"openFor", manager::format_duration(t.open_for)}});
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

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += (out.empty() ? "" : "; ") + line;
  return out;
}

int run(const RunFlags& flags) {
  const manager::ConfigLoad load = manager::load_config_file(flags.config);
  if (!load.ok()) {
    for (const auto& error : load.errors) std::cerr << error.to_string() << "\n";
    return kExitFailure;
  }
  const manager::StewardConfig& config = *load.config;
  observe::LogLevel level = config.logging.level;
  if (!flags.log_level.empty() && !observe::parse_log_level(flags.log_level, level)) {
    std::cerr << "steward: --log-level must be debug, info, warn or error\n";
    return kExitUsage;
  }
  observe::set_log_level(level);
  observe::set_log_format(config.logging.format);
  // The flags pass the checks the config file's fields pass.
  const manager::LeaderElectionConfig election = leader_election(config, flags);
  if (!election.ns.empty() && !desired::is_dns1123_label(election.ns)) {
    std::cerr << "steward: --leader-election-namespace must be a DNS-1123 label\n";
    return kExitUsage;
  }
  if (!desired::is_dns1123_subdomain(election.lease_name)) {
    std::cerr << "steward: --leader-election-id must be a DNS-1123 subdomain\n";
    return kExitUsage;
  }

  kube::RestConfig rest;
  try {
    rest = load_rest_config(with_config(flags.cluster, config.cluster));
  } catch (const kube::ConfigError& e) {
    std::cerr << "steward: " << e.what() << "\n";
    return kExitFailure;
  }

  manager::IoThreads io_threads(2);
  boost::asio::io_context& io = io_threads.io();

  int exit_code = kExitOk;
  try {
    auto registry = std::make_shared<prometheus::Registry>();
    const auto& build = observe::build_info();
    prometheus::BuildGauge()
        .Name("steward_build_info")
        .Help("Always 1; the labels say which build is running.")
        .Register(*registry)
        .Add({{"version", std::string(build.version)}, {"commit", std::string(build.commit)}})
        .Set(1);
    informer::InformerMetrics informer_metrics(*registry);
    observe::ProcessMetrics process_metrics(*registry);

    kube::ClientOptions api_options = client_options(config.cluster);
    api_options.registry = registry.get();
    api_options.on_breaker_change = breaker_logger(rest.server.to_string());
    api_options.on_credentials_change = credentials_logger(rest.server.to_string());
    kube::Client client(io, rest, api_options);
    kube::Discovery discovery(client);
    reconcile::ControllerOptions options = controller_options(config, flags.dry_run);
    options.registry = registry.get();
    options.informer_metrics = &informer_metrics;
    options.wait_for_leadership = election.enabled;
    reconcile::Controller controller(io, client, discovery, options);

    Stop stop;
    std::optional<kube::Client> election_client;
    std::optional<manager::KubeLeaseLock> lease_lock;
    std::optional<manager::LeaderElector> elector;
    if (election.enabled) {
      election_client.emplace(io, rest, election_client_options(config, election));
      lease_lock.emplace(*election_client, lease_namespace(election, rest), election.lease_name);
      elector.emplace(
          io, *lease_lock,
          manager::LeaderElectorOptions{
              .lease_name = election.lease_name,
              .lease_duration = election.lease_duration,
              .renew_deadline = election.renew_deadline,
              .retry_period = election.retry_period,
              .on_started_leading = [&controller] { controller.set_leading(true); },
              .on_stopped_leading =
                  [&] {
                    controller.set_leading(false);
                    if (elector->state() != manager::LeaderElector::State::lost) return;
                    kLog.error("leader election lost: exiting so that a new process "
                               "campaigns again",
                               {{"exitCode", std::to_string(kExitFailure)}});
                    stop.request(kExitFailure);
                  },
              .registry = registry.get()});
    }

    // /healthz: the I/O threads still run timers (a heartbeat every second), and no reconcile
    // has been running for longer than any sequence of its deadlined API calls could take.
    Heartbeat heartbeat(io);
    heartbeat.start();

    // /metrics and the probes. Checks run on an I/O thread: each only reads a snapshot.
    manager::HttpServer metrics_server(
        io, {.bind_address = flags.metrics_address.empty() ? config.metrics.bind_address
                                                            : flags.metrics_address,
             .registry = registry.get(),
             .before_scrape =
                 [&controller, &process_metrics, &client] {
                   controller.update_metrics();
                   process_metrics.update();
                   client.update_metrics();
                 }});
    manager::HttpServer probe_server(
        io,
        {.bind_address =
             flags.probe_address.empty() ? config.health.bind_address : flags.probe_address,
         .healthz = {{"event-loop", [&heartbeat] { return heartbeat.check(); }},
                     {"workers",
                      [&controller]() -> std::optional<std::string> {
                        const auto longest = controller.longest_reconcile();
                        if (longest < kStuckReconcile) return std::nullopt;
                        return "a reconcile has been running for " +
                               std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                  longest)
                                                  .count()) +
                               " s (every API call it makes has a deadline; it is stuck)";
                      }}},
         .readyz = {
             // Fails only while a source has never loaded. A failed reload leaves the last good
             // state in force, and the loop keeps the cluster to it: still ready, but ?verbose
             // says which source and where its error is.
             {"desired-state",
              [&controller]() -> std::optional<std::string> {
                const auto status = controller.status();
                if (status.sources_loaded) return std::nullopt;
                return join(status.not_ready);
              },
              [&controller]() -> std::optional<std::string> {
                const auto status = controller.status();
                if (status.load_failures.empty()) return std::nullopt;
                return join(status.load_failures);
              }},
             // Not synced yet, or synced but unable to watch for 30 s: either way the cache
             // does not show the cluster, and drift would go unseen.
             {"informers",
              [&controller]() -> std::optional<std::string> {
                const auto status = controller.status();
                std::vector<std::string> lines;
                if (!status.informers_synced) lines = status.not_ready;
                lines.insert(lines.end(), status.unhealthy_informers.begin(),
                             status.unhealthy_informers.end());
                if (lines.empty()) return std::nullopt;
                return join(lines);
              }},
             {"api",
              [&client]() -> std::optional<std::string> {
                // Half-open fails too: until its probes succeed the server is not known to be
                // back, and a check that passed between open periods would flap all outage long.
                switch (client.breaker_state()) {
                  case kube::CircuitBreaker::State::open:
                    return std::string("circuit breaker open: the API server is failing");
                  case kube::CircuitBreaker::State::half_open:
                    return std::string(
                        "circuit breaker half-open: probing whether the API server is back");
                  case kube::CircuitBreaker::State::closed:
                    break;
                }
                if (client.credentials_rejected()) {
                  return std::string(
                      "credentials rejected: the API server answers 401 Unauthorized to "
                      "steward's token or certificate, read again");
                }
                return std::nullopt;
              }}}});
    if (!flags.once) {
      metrics_server.start();
      probe_server.start();
      kLog.info("serving", {{"metrics", std::to_string(metrics_server.port())},
                            {"probes", std::to_string(probe_server.port())}});
    }
    kLog.info("starting", {{"server", rest.server.to_string()},
                           {"sources", std::to_string(config.sources.size())},
                           {"dryRun", flags.dry_run || config.reconcile.dry_run ? "true"
                                                                                 : "false"},
                           {"once", flags.once ? "true" : "false"}});
    const bool loaded = controller.start();
    // After the first load, so that a new leader's workers find the keys queued.
    std::future<void> campaign;
    if (elector) {
      kLeaderLog.info("leader election: campaigning",
                      {{"lease", lease_lock->describe()}, {"identity", elector->identity()}});
      campaign = elector->start();
    }

    // Reloads run on a thread of their own: reading a large directory must not stall the I/O.
    // The config file is watched too, under a name no source can have (names are DNS labels).
    static const std::string kConfigWatch = "<config>";
    boost::asio::thread_pool reloads(1);
    std::optional<ConfigReload> config_reload;
    std::optional<desired::SourceWatcher> watcher;
    if (!flags.once) {
      watcher.emplace(io,
                      [&](const std::string& source) {
                        boost::asio::post(reloads, [&controller, &config_reload, source] {
                          if (source == kConfigWatch) {
                            config_reload->reload();
                          } else {
                            controller.reload(source);
                          }
                        });
                      },
                      desired::SourceWatcherOptions{
                          .debounce = std::chrono::duration_cast<std::chrono::milliseconds>(
                              config.reconcile.debounce),
                          .on_error = [](const std::string& source, const std::string& message) {
                            kDesiredLog.warn("watching source", {{"source", source},
                                                                 {"error", message}});
                          }});
      config_reload.emplace(
          ConfigReloadOptions{.file = flags.config,
                              .log_level_flag = !flags.log_level.empty(),
                              .dry_run_flag = flags.dry_run,
                              .sources =
                                  [](const manager::StewardConfig& next) {
                                    return controller_options(next, false).sources;
                                  }},
          config, controller, &*watcher);
      for (const auto& source : config.sources) watcher->watch(source.name, source.path);
      watcher->watch(kConfigWatch, flags.config);
    }

    boost::asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
    std::function<void(const boost::system::error_code&, int)> on_signal =
        [&](const boost::system::error_code& error, int signal) {
          if (error) return;
          if (signal == SIGHUP) {
            kLog.info("SIGHUP: reloading the config and every source");
            boost::asio::post(reloads, [&controller, &config_reload] {
              if (config_reload) config_reload->reload();
              controller.reload_all();
            });
            signals.async_wait(on_signal);
            return;
          }
          const char* name = signal == SIGTERM ? "SIGTERM" : "SIGINT";
          if (stop.requested()) {
            // The operator (or the kubelet after its grace period) insists: no more waiting.
            kLog.warn("second signal: exiting at once", {{"signal", name}});
            std::fflush(stdout);
            std::_Exit(kExitFailure);
          }
          kLog.info("shutting down", {{"signal", name}});
          stop.request(flags.once ? kExitFailure : kExitOk);
          signals.async_wait(on_signal);  // a second one ends the process
        };
    signals.async_wait(on_signal);
    // Declared last, so it goes first: the I/O threads stop and the handlers they leave pending
    // (requests abandoned mid-flight) are destroyed while the client, the informers and the
    // metrics they point into still exist (runtime/io_threads.hpp).
    struct StopIoFirst {
      manager::IoThreads& threads;
      ~StopIoFirst() { threads.stop(); }
    } stop_io_first{io_threads};

    if (flags.once) {
      if (!loaded) {
        stop.request(kExitFailure);
      }
      const auto deadline =
          std::chrono::steady_clock::now() + std::chrono::seconds(flags.once_timeout_seconds);
      // --once waits for a state, not an event, so it looks every 50 ms; the daemon never polls.
      while (!stop.wait_for(std::chrono::milliseconds(50))) {
        const auto status = controller.status();
        if (status.in_sync()) {
          const auto stats = controller.stats();
          kLog.info("in sync", {{"objects", std::to_string(status.desired)},
                                {"applies", std::to_string(stats.applies)},
                                {"prunes", std::to_string(stats.prunes)}});
          stop.request(kExitOk);
        } else if (status.stuck() || std::chrono::steady_clock::now() > deadline) {
          kLog.error("not in sync", {{"failing", join(status.failures)},
                                     {"notReady", join(status.not_ready)}});
          stop.request(kExitFailure);
        }
      }
    }
    exit_code = *stop.wait_for(std::chrono::hours(24 * 365 * 100));

    // Readiness fails at once so traffic and rollouts move on; liveness stays up until the end.
    probe_server.set_shutting_down();
    const auto stopping = std::chrono::steady_clock::now();
    ShutdownDeadline deadline{std::chrono::seconds(flags.shutdown_timeout_seconds)};
    if (watcher) watcher->stop();
    reloads.join();
    controller.stop();
    if (elector) {
      // Only now that no reconcile runs: the lease goes, then a successor may write at once.
      elector->stop();
      campaign.get();
      elector->release().get();
    }
    metrics_server.stop();
    probe_server.stop();
    signals.cancel();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - stopping).count();
    kLog.info("stopped", {{"exitCode", std::to_string(exit_code)},
                          {"shutdownSeconds", std::to_string(seconds)}});
  } catch (const std::exception& e) {
    kLog.error("fatal", {{"error", e.what()}});
    exit_code = kExitFailure;
  }
  io_threads.stop();
  return exit_code;
}

}  // namespace

Command add_run_command(CLI::App& app) {
  auto flags = std::make_shared<RunFlags>();
  auto* run_cmd = app.add_subcommand(
      "run", "Keep the cluster matching the configured sources until SIGTERM (or once, --once)");
  run_cmd->add_option("--config", flags->config, "StewardConfig file (see config/steward.yaml)")
      ->required();
  add_cluster_options(*run_cmd, flags->cluster);
  run_cmd->add_flag("--once", flags->once,
                    "reconcile everything once; exit 0 when in sync, 1 when not");
  run_cmd->add_option("--graceful-shutdown-timeout", flags->shutdown_timeout_seconds,
                      "seconds SIGTERM may take to finish in-flight reconciles and release the "
                      "lease before steward exits anyway with 1 (default 30); a second signal "
                      "exits at once")
      ->check(CLI::PositiveNumber);
  run_cmd->add_option("--once-timeout", flags->once_timeout_seconds,
                      "seconds --once waits for the cluster to match (default 300)");
  run_cmd->add_flag("--dry-run", flags->dry_run,
                    "server-side dry run: show what would change, write nothing");
  run_cmd->add_option("--log-level", flags->log_level, "debug, info, warn or error");
  run_cmd->add_option("--metrics-bind-address", flags->metrics_address,
                      "host:port for /metrics (default: metrics.bindAddress, :8080; 0 disables)");
  run_cmd->add_option("--health-probe-bind-address", flags->probe_address,
                      "host:port for /healthz and /readyz (default: health.bindAddress, :8081; 0 "
                      "disables)");
  // A function, so that "not given" stays apart from "given": --leader-elect=false turns it off.
  run_cmd->add_flag_function(
      "--leader-elect", [flags](std::int64_t count) { flags->leader_elect = count > 0; },
      "only the holder of the Lease reconciles (default: leaderElection.enabled)");
  run_cmd->add_option("--leader-election-namespace", flags->leader_election_namespace,
                      "namespace of the Lease (default: leaderElection.namespace, else the "
                      "pod's or the kubeconfig context's)");
  run_cmd->add_option("--leader-election-id", flags->leader_election_id,
                      "name of the Lease (default: leaderElection.leaseName, steward)");
  return [flags] { return run(*flags); };
}

}  // namespace steward::cmd
