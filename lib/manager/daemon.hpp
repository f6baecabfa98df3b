#pragma once
// The steward daemon (`steward run`): the parts of the loop built from a StewardConfig and run by
// a Manager. What this file decides is the wiring, in start order (stops go in reverse):
//
//   lease       (leader election only) nothing at start; at stop, after the controller has
//               finished its reconciles, stops campaigning and releases the Lease, so a
//               successor may write at once and never while one of ours still runs.
//   controller  logs "starting", loads every source, subscribes to their kinds, starts the workers
//               (with leader election: once leading); stop: intake ends, reconciles in flight
//               finish.
//   campaign    (leader election only) campaigns for the Lease, after the first load, so that a
//               new leader's workers find the keys queued. Losing the Lease ends the run with 1:
//               a fresh process is the one state that is easy to trust after a partition (as
//               controller-runtime does).
//   sources     (not with --once) watches the config file and every source (inotify); a change
//               reloads it on a thread of its own (a large directory must not stall the I/O).
//   once        (--once) ends the run with 0 once the cluster matches, 1 when it cannot (a
//               permanent failure, or `once_timeout`).
//
// Checks: /healthz "workers" (no reconcile stuck for 5 minutes); /readyz "desired-state" (every
// source loaded once; ?verbose names a failed reload), "informers" (synced, none without a watch
// for 30 s) and "api" (the client's circuit breaker closed, credentials accepted). SIGHUP re-reads
// the config and reloads every source.

#include <chrono>
#include <filesystem>
#include <string>

#include "config/steward_config.hpp"
#include "kube/client.hpp"
#include "kube/rest_config.hpp"

namespace steward::manager {

struct DaemonOptions {
  config::StewardConfig config;        // loaded and checked; leader_election has the flags applied
  std::filesystem::path config_file;   // watched and re-read (config_reload.hpp)
  kube::RestConfig rest;
  kube::ClientOptions client;          // from config.cluster
  bool once = false;
  std::chrono::seconds once_timeout{300};
  // --wait (with once): also wait for every object to be Current (health), and fail as soon as
  // one is Failed.
  bool wait = false;
  bool dry_run_flag = false;           // --dry-run: on whatever the file says, now and on reloads
  bool log_level_flag = false;         // --log-level: the file's logging.level is ignored
  std::string metrics_address;         // "" for config.metrics.bind_address
  std::string probe_address;           // "" for config.health.bind_address
  // --metrics-secure: /metrics over HTTPS, for callers the API server authenticates (TokenReview)
  // and authorizes to get /metrics (SubjectAccessReview); manager/metrics_auth.hpp.
  bool metrics_secure = false;
  // --metrics-cert-dir: tls.crt and tls.key for it; empty: a self-signed pair made at start.
  std::filesystem::path metrics_cert_dir;
  std::chrono::seconds graceful_shutdown_timeout{30};
};

// Runs the daemon until a signal, the end of --once, or a lost Lease; returns the exit code
// (0 success; 1 failure, --once not in sync, a lost Lease, or a part that could not start).
int run_daemon(const DaemonOptions& options);

// steward's own namespace, where its Lease and its sources' inventories are: leaderElection's
// namespace when set; else $POD_NAMESPACE; else the service account's namespace in a pod, or the
// kubeconfig context's; else "default".
std::string steward_namespace(const config::LeaderElectionConfig& election,
                              const kube::RestConfig& rest);

}  // namespace steward::manager
