#pragma once
// The daemon's configuration: one `StewardConfig` YAML file (Kubernetes style,
// `apiVersion: steward.dev/v1alpha1`) read into one value. The manager maps it onto each part's
// Options struct; nothing else reads the file. docs/configuration.md documents every field.
//
// Every field is declared once, in fields.cpp (field_table.hpp says how): the parser, compare(),
// the field tables of docs/configuration.md and fuzz/steward_config.dict all follow from that one
// table, and test/config/field_docs_test.cpp fails when the docs or the dictionary drift from it.
//
// Reading is strict, because a setting steward silently ignores is worse than one it refuses:
//  - apiVersion and kind must be exactly steward.dev/v1alpha1 and StewardConfig;
//  - an unknown field anywhere is an error (a typo such as `worker:` must not leave the default in
//    force), with a suggestion when a known field is close;
//  - a value of the wrong type, out of range, or inconsistent with another field is an error;
//  - a field written twice in one mapping is an error (the YAML spec forbids it);
//  - every error is collected, each as `file:line:column: message` with the YAML node's position,
//    so one run of `steward validate --config` shows every mistake.
// Plain scalars resolve as Kubernetes' YAML decoder resolves them (desired/scalar_resolve.hpp), so
// `leaseName: yes` is a boolean, and a quoted "50" is a string, not a number. A field written as
// null (`qps:` with nothing after it) keeps its default, as in Go's decoder. Durations are Go
// duration strings ("500ms", "10s", "1m30s", "1h"). Relative paths resolve against the folder of
// the config file, so the file means the same whatever the daemon's working directory is.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/go_duration.hpp"
#include "desired/location.hpp"
#include "kube/circuit_breaker.hpp"
#include "observe/log.hpp"
#include "reconcile/adopt.hpp"
#include "reconcile/ignore_rule.hpp"

namespace steward::config {

// Go's time.Duration resolution (base/go_duration.hpp): every duration the file can write fits.
using Duration = base::Duration;

inline constexpr std::string_view kConfigApiVersion = "steward.dev/v1alpha1";
inline constexpr std::string_view kConfigKind = "StewardConfig";

struct ClusterConfig {
  // Empty: --kubeconfig, else $KUBECONFIG, else ~/.kube/config; in a pod with none of those, the
  // pod's service account. Relative paths resolve against the config file's folder.
  std::filesystem::path kubeconfig;
  // Empty: the kubeconfig's current-context.
  std::string context;
  // Use the pod's service account even when a kubeconfig could be found.
  bool in_cluster = false;
  // Client-side throttle of API requests, as client-go's rest.Config QPS/Burst (50/100, the
  // values controller-runtime managers commonly set; client-go's own 5/10 is too slow for a
  // controller that applies whole directories).
  double qps = 50;
  int burst = 100;
  // Whether the file set qps / burst (rules.cpp): under API Priority and Fairness the throttle
  // adapts to the server, never above what the user set (kube/client_throttle.hpp).
  bool qps_is_bound = false;
  bool burst_is_bound = false;
  // The API client's own options (kube/circuit_breaker.hpp says why its defaults), so the section
  // is handed to the client as it was read.
  kube::CircuitBreakerOptions circuit_breaker;

  bool operator==(const ClusterConfig&) const = default;
};

struct SourceConfig {
  // Required: a DNS-1123 label, unique among the sources. Written on every applied object
  // (annotation steward.dev/source), so renaming a source orphans its objects.
  std::string name;
  // Required: a manifest file or a directory (desired/manifest_files.hpp). Absolute after loading
  // when the config file's folder is known.
  std::filesystem::path path;
  // Namespace for namespaced objects written without one, as kubectl's "default".
  std::string default_namespace = "default";
  // Delete objects this source applied once they are gone from it.
  bool prune = false;
  // 0 < f <= 1: a prune that would delete more than this fraction of the source's managed objects
  // is refused (a directory emptied by mistake must not empty the cluster).
  double prune_fraction = 0.5;
  // Taking over an object that exists without steward's marks (reconcile/adopt.hpp).
  reconcile::Adopt adopt = reconcile::Adopt::kIfNoConflict;
  // Nothing applied or pruned for this source while set; drift is still measured.
  bool suspend = false;
  // Fields steward sets only when it creates an object (reconcile/ignore_rule.hpp).
  std::vector<reconcile::IgnoreRule> ignore;
  // Sources that must be in sync and Current before this one is applied (names of other sources;
  // no cycles).
  std::vector<std::string> depends_on;

  bool operator==(const SourceConfig&) const = default;
};

// Not queue's own options: ItemExponentialOptions carries a jitter and a random seed the file does
// not set (and a seed would make two equal configs differ), and BucketOptions is only half of it.
struct RateLimiterConfig {
  // Per-key exponential backoff of failed reconciles: base doubling up to max (client-go's
  // DefaultControllerRateLimiter: 5 ms … 1000 s).
  Duration base_delay = std::chrono::milliseconds(5);
  Duration max_delay = std::chrono::seconds(1000);
  // Token bucket shared by all keys (client-go: 10 qps, burst 100).
  double qps = 10;
  int burst = 100;

  bool operator==(const RateLimiterConfig&) const = default;
};

struct ReconcileConfig {
  // Reconcile workers, 1..256.
  int workers = 4;
  // Re-delivery of every cached object; 0 turns it off. Steward's drift rule makes a resync cost
  // no API call when nothing drifted, so 10 min is cheap.
  Duration resync_period = std::chrono::minutes(10);
  // Compute and log what would change, apply and delete nothing.
  bool dry_run = false;
  // Quiet time after a source's files change before it is reloaded, so an editor's save or a
  // `git pull` is read once, whole.
  Duration debounce = std::chrono::seconds(1);
  RateLimiterConfig rate_limiter;

  bool operator==(const ReconcileConfig&) const = default;
};

struct MetricsConfig {
  // host:port of the /metrics endpoint; "0" disables it.
  std::string bind_address = ":8080";
  // HTTPS, for callers the API server authenticates and authorizes (manager/metrics_auth.hpp).
  // Off, as `steward run` on a laptop wants it; deploy/ turns it on (--metrics-secure).
  bool secure = false;
  // tls.crt and tls.key for it; empty: a self-signed pair made at start.
  std::filesystem::path cert_dir;
  bool operator==(const MetricsConfig&) const = default;
};

struct HealthConfig {
  // host:port of /healthz and /readyz; "0" disables them.
  std::string bind_address = ":8081";
  bool operator==(const HealthConfig&) const = default;
};

// Not LeaderElectorOptions: that one holds the callbacks, clock and identity of one running
// elector, and has no `enabled` or namespace (the daemon maps this onto it).
struct LeaderElectionConfig {
  bool enabled = false;
  // Namespace of the Lease; empty: the pod's namespace, else "default".
  std::string ns;
  std::string lease_name = "steward";
  // client-go's defaults; renew_deadline < lease_duration, retry_period * 1.2 < renew_deadline.
  Duration lease_duration = std::chrono::seconds(15);
  Duration renew_deadline = std::chrono::seconds(10);
  Duration retry_period = std::chrono::seconds(2);

  bool operator==(const LeaderElectionConfig&) const = default;
};

// The logger's own levels and formats (observe/log.hpp), so the daemon sets what it read without
// translating.
using LogLevel = observe::LogLevel;
using LogFormat = observe::LogFormat;

struct LoggingConfig {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kJson;
  bool operator==(const LoggingConfig&) const = default;
};

struct StewardConfig {
  // Names this install in the cluster: its sources' inventories (ApplySet parents
  // `steward-<instance>-<source>`) and so the ids its objects carry. Two installs in one cluster
  // need different instances, or they share sources of the same name.
  std::string instance = "steward";
  ClusterConfig cluster;
  std::vector<SourceConfig> sources;  // a file must list at least one
  ReconcileConfig reconcile;
  MetricsConfig metrics;
  HealthConfig health;
  LeaderElectionConfig leader_election;
  LoggingConfig logging;

  bool operator==(const StewardConfig&) const = default;
};

// Every field at its default; no sources.
StewardConfig default_config();

struct ConfigLoad {
  std::optional<StewardConfig> config;        // set exactly when there are no errors
  std::vector<desired::Diagnostic> errors;    // in file order, mostly
  bool ok() const { return errors.empty(); }
};

// Reads and checks a config file. Errors name the file as `path` is written; relative paths in the
// file resolve against the absolute folder of `path`.
ConfigLoad load_config_file(const std::filesystem::path& path);

// Checks `text` as if read from `file_name`; relative paths in it resolve against `base_dir` (left
// relative when `base_dir` is empty).
ConfigLoad parse_config(std::string_view text, const std::string& file_name,
                        const std::filesystem::path& base_dir);

// One field that differs between the running config and a new one.
struct ConfigChange {
  // The field as written in the file: "reconcile.workers", "sources[apps].prune", or
  // "sources[web]" for a whole source added or removed.
  std::string field;
  // The values as YAML would show them (strings quoted, durations as "10m"); "" for the side where
  // a source does not exist.
  std::string before;
  std::string after;
  // true: the running daemon can apply it; false: it takes effect on the next restart.
  bool live = false;

  // "reconcile.workers: 4 -> 8 (live)", "cluster.qps: 50 -> 20 (restart needed)".
  std::string to_string() const;
  bool operator==(const ConfigChange&) const = default;
};

// The fields that differ, in file order. Live: sources (added, removed, changed; matched by name,
// so reordering them is no change), logging.level, reconcile.workers, reconcile.dryRun. Everything
// else needs a restart.
std::vector<ConfigChange> compare(const StewardConfig& running, const StewardConfig& next);

// True when a change in `changes` is not live.
bool needs_restart(const std::vector<ConfigChange>& changes);

}  // namespace steward::config
