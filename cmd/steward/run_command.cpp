// steward run: the daemon. Reads the StewardConfig and the command line, and hands them to
// manager::run_daemon (lib/manager/daemon.hpp), which keeps the cluster matching the configured
// sources until SIGTERM or SIGINT, or with --once reconciles everything once and exits: 0 when the
// cluster matches, 1 otherwise. What this file decides: the flags, and which of them win over the
// config file. A bad command line exits 2, a config that does not load 1.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>

#include "base/go_duration.hpp"
#include "cluster_connection.hpp"
#include "commands.hpp"
#include "config/steward_config.hpp"
#include "desired/object_rules.hpp"
#include "kube/config_error.hpp"
#include "manager/daemon.hpp"
#include "observe/log.hpp"

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
  // /metrics over HTTPS behind the API server's TokenReview and SubjectAccessReview
  // (controller-runtime's --metrics-secure; off on a laptop, on in deploy/): override
  // metrics.secure (when given) and metrics.certDir.
  std::optional<bool> metrics_secure;
  std::string metrics_cert_dir;
  int once_timeout_seconds = 300;
  bool wait = false;
  std::string timeout;  // --timeout, a duration ("120s", "5m"); overrides --once-timeout
  // How long the graceful part of a shutdown may take (controller-runtime's
  // GracefulShutdownTimeout, 30 s by default) before the process exits anyway.
  int shutdown_timeout_seconds = 30;
  // Leader election: override leaderElection.enabled (when given), .namespace and .leaseName.
  std::optional<bool> leader_elect;
  std::string leader_election_namespace;
  std::string leader_election_id;
};

// The config's leader election with the flags that override it.
config::LeaderElectionConfig leader_election(const config::StewardConfig& config,
                                             const RunFlags& flags) {
  config::LeaderElectionConfig election = config.leader_election;
  if (flags.leader_elect) election.enabled = *flags.leader_elect;
  if (!flags.leader_election_namespace.empty()) election.ns = flags.leader_election_namespace;
  if (!flags.leader_election_id.empty()) election.lease_name = flags.leader_election_id;
  return election;
}

int run(const RunFlags& flags) {
  const config::ConfigLoad load = config::load_config_file(flags.config);
  if (!load.ok()) {
    for (const auto& error : load.errors) std::cerr << error.to_string() << "\n";
    return kExitFailure;
  }
  const config::StewardConfig& config = *load.config;
  observe::LogLevel level = config.logging.level;
  if (!flags.log_level.empty() && !observe::parse_log_level(flags.log_level, level)) {
    std::cerr << "steward: --log-level must be debug, info, warn or error\n";
    return kExitUsage;
  }
  observe::set_log_level(level);
  observe::set_log_format(config.logging.format);
  // The flags pass the checks the config file's fields pass.
  const config::LeaderElectionConfig election = leader_election(config, flags);
  if (!election.ns.empty() && !desired::is_dns1123_label(election.ns)) {
    std::cerr << "steward: --leader-election-namespace must be a DNS-1123 label\n";
    return kExitUsage;
  }
  if (!desired::is_dns1123_subdomain(election.lease_name)) {
    std::cerr << "steward: --leader-election-id must be a DNS-1123 subdomain\n";
    return kExitUsage;
  }

  std::chrono::seconds once_timeout(flags.once_timeout_seconds);
  if (!flags.timeout.empty()) {
    std::string why;
    const auto timeout = base::parse_duration(flags.timeout, &why);
    if (!timeout || *timeout <= base::Duration::zero()) {
      std::cerr << "steward: --timeout must be a positive duration such as 120s or 5m"
                << (why.empty() ? "" : ": " + why) << "\n";
      return kExitUsage;
    }
    once_timeout = std::max(std::chrono::seconds(1),
                            std::chrono::ceil<std::chrono::seconds>(*timeout));
  }
  manager::DaemonOptions options{.config = config,
                                 .config_file = flags.config,
                                 .client = client_options(config.cluster),
                                 .once = flags.once,
                                 .once_timeout = once_timeout,
                                 .wait = flags.wait,
                                 .dry_run_flag = flags.dry_run,
                                 .log_level_flag = !flags.log_level.empty(),
                                 .metrics_address = flags.metrics_address,
                                 .probe_address = flags.probe_address,
                                 .metrics_secure =
                                     flags.metrics_secure.value_or(config.metrics.secure),
                                 .metrics_cert_dir = flags.metrics_cert_dir.empty()
                                                         ? config.metrics.cert_dir
                                                         : std::filesystem::path(flags.metrics_cert_dir),
                                 .graceful_shutdown_timeout =
                                     std::chrono::seconds(flags.shutdown_timeout_seconds)};
  options.config.leader_election = election;
  // The flag asks for something that would not happen; metrics.certDir without secure metrics
  // (say, --metrics-secure=false for a while) is left unused.
  if (!flags.metrics_cert_dir.empty() && !options.metrics_secure) {
    std::cerr << "steward: --metrics-cert-dir needs --metrics-secure (or metrics.secure: true)\n";
    return kExitUsage;
  }
  try {
    options.rest = load_rest_config(with_config(flags.cluster, config.cluster));
  } catch (const kube::ConfigError& e) {
    std::cerr << "steward: " << e.what() << "\n";
    return kExitFailure;
  }
  return manager::run_daemon(options);
}

}  // namespace

Command add_run_command(CLI::App& app) {
  auto flags = std::make_shared<RunFlags>();
  auto* run_cmd = app.add_subcommand(
      "run", "Keep the cluster matching the configured sources until SIGTERM (or once, --once)");
  run_cmd->add_option("--config", flags->config, "StewardConfig file (see config/steward.yaml)")
      ->required();
  add_cluster_options(*run_cmd, flags->cluster);
  auto* once = run_cmd->add_flag("--once", flags->once,
                                 "reconcile everything once; exit 0 when in sync, 1 when not");
  run_cmd->add_option("--graceful-shutdown-timeout", flags->shutdown_timeout_seconds,
                      "seconds SIGTERM may take to finish in-flight reconciles and release the "
                      "lease before steward exits anyway with 1 (default 30); a second signal "
                      "exits at once")
      ->check(CLI::PositiveNumber);
  run_cmd->add_option("--once-timeout", flags->once_timeout_seconds,
                      "seconds --once waits for the cluster to match (default 300)");
  run_cmd->add_flag("--wait", flags->wait,
                    "with --once: also wait until every object is Current (health: rolled out, "
                    "bound, established); exit 1 as soon as one is Failed, naming it")
      ->needs(once);
  run_cmd->add_option("--timeout", flags->timeout,
                      "with --once: how long to wait, as a duration (120s, 5m); overrides "
                      "--once-timeout")
      ->needs(once);
  run_cmd->add_flag("--dry-run", flags->dry_run,
                    "server-side dry run: show what would change, write nothing");
  run_cmd->add_option("--log-level", flags->log_level, "debug, info, warn or error");
  run_cmd->add_option("--metrics-bind-address", flags->metrics_address,
                      "host:port for /metrics (default: metrics.bindAddress, :8080; 0 disables)");
  // A function, as --leader-elect: --metrics-secure=false overrides metrics.secure: true.
  run_cmd->add_flag_function(
      "--metrics-secure", [flags](std::int64_t count) { flags->metrics_secure = count > 0; },
      "serve /metrics over HTTPS, only to callers the API server authenticates (TokenReview) and "
      "allows to get /metrics (SubjectAccessReview) (default: metrics.secure, false; deploy/ "
      "turns it on)");
  run_cmd->add_option("--metrics-cert-dir", flags->metrics_cert_dir,
                      "with --metrics-secure: directory holding tls.crt and tls.key (default: "
                      "metrics.certDir, else a self-signed certificate made at start)")
      ->check(CLI::ExistingDirectory);
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
