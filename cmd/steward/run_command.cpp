// steward run: the daemon. Loads the StewardConfig, connects to the API server, and keeps the
// cluster matching the configured sources until SIGTERM or SIGINT; SIGHUP reloads every source.
// With --once it reconciles everything once and exits: 0 when the cluster matches, 1 otherwise.
//
// Threads: two run the io_context (every API call, watch, timer, file watch and signal), the
// reconcile workers are the controller's own, and the main thread only waits for the end.

#include <CLI/CLI.hpp>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <mutex>
#include <thread>

#include "cluster_connection.hpp"
#include "commands.hpp"
#include "desired/source_watcher.hpp"
#include "kube/client.hpp"
#include "kube/config_error.hpp"
#include "kube/discovery.hpp"
#include "observe/log.hpp"
#include "reconcile/controller.hpp"
#include "informer/informer_metrics.hpp"
#include "observe/build_info.hpp"
#include "runtime/http_server.hpp"
#include "runtime/steward_config.hpp"

namespace steward::cmd {
namespace {

struct RunFlags {
  std::string config;
  ClusterFlags cluster;
  bool once = false;
  bool dry_run = false;
  std::string log_level;
  std::string metrics_address;
  std::string probe_address;
  int once_timeout_seconds = 300;
};

// The end of a run: set once, by a signal or by --once finishing.
class Stop {
 public:
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

// Settings `steward run` does not act on yet are refused, never silently ignored.
std::vector<std::string> unsupported(const runtime::StewardConfig& config) {
  std::vector<std::string> out;
  if (config.leader_election.enabled) out.push_back("leaderElection.enabled: not supported yet");
  if (config.logging.format != runtime::LogFormat::kJson) {
    out.push_back("logging.format: only json is supported yet");
  }
  return out;
}

reconcile::ControllerOptions controller_options(const runtime::StewardConfig& config,
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

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += (out.empty() ? "" : "; ") + line;
  return out;
}

int run(const RunFlags& flags) {
  const runtime::ConfigLoad load = runtime::load_config_file(flags.config);
  if (!load.ok()) {
    for (const auto& error : load.errors) std::cerr << error.to_string() << "\n";
    return kExitFailure;
  }
  const runtime::StewardConfig& config = *load.config;
  if (const auto refused = unsupported(config); !refused.empty()) {
    for (const auto& line : refused) std::cerr << flags.config << ": " << line << "\n";
    return kExitFailure;
  }
  observe::LogLevel level = config.logging.level;
  if (!flags.log_level.empty() && !observe::parse_log_level(flags.log_level, level)) {
    std::cerr << "steward: --log-level must be debug, info, warn or error\n";
    return kExitUsage;
  }
  observe::set_log_level(level);

  kube::RestConfig rest;
  try {
    rest = load_rest_config(with_config(flags.cluster, config.cluster));
  } catch (const kube::ConfigError& e) {
    std::cerr << "steward: " << e.what() << "\n";
    return kExitFailure;
  }

  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  std::vector<std::thread> io_threads;
  for (int i = 0; i < 2; ++i) io_threads.emplace_back([&io] { io.run(); });
  auto join_io = [&] {
    guard.reset();
    io.stop();
    for (auto& thread : io_threads) thread.join();
  };

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

    kube::ClientOptions client_options;
    client_options.qps = config.cluster.qps;
    client_options.burst = config.cluster.burst;
    client_options.registry = registry.get();
    kube::Client client(io, rest, client_options);
    kube::Discovery discovery(client);
    reconcile::ControllerOptions options = controller_options(config, flags.dry_run);
    options.registry = registry.get();
    options.informer_metrics = &informer_metrics;
    reconcile::Controller controller(io, client, discovery, options);

    // /metrics and the probes. Checks run on an I/O thread: each only reads a snapshot.
    runtime::HttpServer metrics_server(
        io, {.bind_address = flags.metrics_address.empty() ? config.metrics.bind_address
                                                            : flags.metrics_address,
             .registry = registry.get(),
             .before_scrape = [&controller] { controller.update_queue_metrics(); }});
    runtime::HttpServer probe_server(
        io,
        {.bind_address =
             flags.probe_address.empty() ? config.health.bind_address : flags.probe_address,
         .healthz = {{"ping", [] { return std::optional<std::string>(); }}},
         .readyz = {
             {"desired-state",
              [&controller]() -> std::optional<std::string> {
                const auto status = controller.status();
                if (status.sources_loaded) return std::nullopt;
                return join(status.not_ready);
              }},
             {"informers",
              [&controller]() -> std::optional<std::string> {
                const auto status = controller.status();
                if (status.informers_synced) return std::nullopt;
                return join(status.not_ready);
              }},
             {"api",
              [&client]() -> std::optional<std::string> {
                if (client.breaker_state() != kube::CircuitBreaker::State::open) {
                  return std::nullopt;
                }
                return std::string("circuit breaker open: the API server is failing");
              }}}});
    if (!flags.once) {
      metrics_server.start();
      probe_server.start();
      observe::log_info("serving", {{"metrics", std::to_string(metrics_server.port())},
                                    {"probes", std::to_string(probe_server.port())}});
    }
    observe::log_info("starting", {{"server", rest.server.to_string()},
                                   {"sources", std::to_string(config.sources.size())},
                                   {"dryRun", flags.dry_run || config.reconcile.dry_run ? "true"
                                                                                         : "false"},
                                   {"once", flags.once ? "true" : "false"}});
    const bool loaded = controller.start();

    // Reloads run on a thread of their own: reading a large directory must not stall the I/O.
    boost::asio::thread_pool reloads(1);
    std::optional<desired::SourceWatcher> watcher;
    if (!flags.once) {
      watcher.emplace(io,
                      [&](const std::string& source) {
                        boost::asio::post(reloads, [&controller, source] {
                          controller.reload(source);
                        });
                      },
                      desired::SourceWatcherOptions{
                          .debounce = std::chrono::duration_cast<std::chrono::milliseconds>(
                              config.reconcile.debounce),
                          .on_error = [](const std::string& source, const std::string& message) {
                            observe::log_warn("watching source", {{"source", source},
                                                                  {"error", message}});
                          }});
      for (const auto& source : config.sources) watcher->watch(source.name, source.path);
    }

    Stop stop;
    boost::asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
    std::function<void(const boost::system::error_code&, int)> on_signal =
        [&](const boost::system::error_code& error, int signal) {
          if (error) return;
          if (signal == SIGHUP) {
            observe::log_info("SIGHUP: reloading every source");
            boost::asio::post(reloads, [&controller] { controller.reload_all(); });
            signals.async_wait(on_signal);
            return;
          }
          observe::log_info("shutting down", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
          stop.request(flags.once ? kExitFailure : kExitOk);
        };
    signals.async_wait(on_signal);

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
          observe::log_info("in sync", {{"objects", std::to_string(status.desired)},
                                        {"applies", std::to_string(stats.applies)},
                                        {"prunes", std::to_string(stats.prunes)}});
          stop.request(kExitOk);
        } else if (status.stuck() || std::chrono::steady_clock::now() > deadline) {
          observe::log_error("not in sync", {{"failing", join(status.failures)},
                                             {"notReady", join(status.not_ready)}});
          stop.request(kExitFailure);
        }
      }
    }
    exit_code = *stop.wait_for(std::chrono::hours(24 * 365 * 100));

    // Readiness fails at once so traffic and rollouts move on; liveness stays up until the end.
    probe_server.set_shutting_down();
    signals.cancel();
    if (watcher) watcher->stop();
    reloads.join();
    controller.stop();
    metrics_server.stop();
    probe_server.stop();
    observe::log_info("stopped", {{"exitCode", std::to_string(exit_code)}});
  } catch (const std::exception& e) {
    observe::log_error("fatal", {{"error", e.what()}});
    exit_code = kExitFailure;
  }
  join_io();
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
  return [flags] { return run(*flags); };
}

}  // namespace steward::cmd
