// Every field of the StewardConfig, once (field_table.hpp says what follows from this table). In
// file order: the parser reads them in this order, compare() lists changes in it, and the docs'
// tables show them in it. Adding a field: its member and default in steward_config.hpp, its entry
// here, and then what test/config/field_docs_test.cpp prints for docs/configuration.md and
// fuzz/steward_config.dict.

#include "config/checks.hpp"
#include "config/field_table.hpp"

namespace steward::config {
namespace {

using C = StewardConfig;
using S = SourceConfig;
constexpr Apply kLive = Apply::kLive;
constexpr Apply kRestart = Apply::kRestart;

}  // namespace

std::span<const Field<StewardConfig>> config_fields() {
  static const Field<C> fields[] = {
      {.path = "apiVersion", .value = Constant{kConfigApiVersion}},
      {.path = "kind", .value = Constant{kConfigKind}},
      {.path = "instance",
       .value = Text<C>{at(&C::instance), dns_label},
       .apply = kRestart,
       .doc = "names this install (a DNS-1123 label). Each source's inventory is the Secret "
              "`steward-<instance>-<source>` in steward's namespace, and every object it applies "
              "is labelled with that inventory's id, so two installs in one cluster must have "
              "different instances; each then leaves the other's objects alone."},

      {.path = "cluster.kubeconfig",
       .value = FilePath<C>{at(&C::cluster, &ClusterConfig::kubeconfig), true},
       .apply = kRestart,
       .doc = "kubeconfig file. Empty: `--kubeconfig`, else `$KUBECONFIG`, else `~/.kube/config`; "
              "inside a pod with none of those, the pod's service account."},
      {.path = "cluster.context",
       .value = Text<C>{at(&C::cluster, &ClusterConfig::context)},
       .apply = kRestart,
       .doc = "kubeconfig context. Empty: the kubeconfig's `current-context`."},
      {.path = "cluster.inCluster",
       .value = Flag<C>{at(&C::cluster, &ClusterConfig::in_cluster)},
       .apply = kRestart,
       .doc = "always use the pod's service account. Cannot be combined with `kubeconfig` or "
              "`context`."},
      {.path = "cluster.qps",
       .value = Number<C>{at(&C::cluster, &ClusterConfig::qps), positive},
       .apply = kRestart,
       .doc = "client-side throttle: sustained API requests per second (a number > 0). When the "
              "server runs API Priority and Fairness (v1.20's default) the throttle adapts to what "
              "it accepts, starting here: up while requests succeed, down on 429 and on rising "
              "latency; set, it is also the most the throttle ever allows."},
      {.path = "cluster.burst",
       .value = Integer<C>{at(&C::cluster, &ClusterConfig::burst), 1},
       .apply = kRestart,
       .doc = "requests allowed at once above `qps` (an integer ≥ 1). Under API Priority and "
              "Fairness, left out it grows with the throttle (a fifth of it); set, it stays."},
      {.path = "cluster.circuitBreaker.failureThreshold",
       .value = Integer<C>{at(&C::cluster, &ClusterConfig::circuit_breaker,
                              &kube::CircuitBreakerOptions::failure_threshold),
                           1},
       .apply = kRestart,
       .doc = "failures in a row (no answer, 429, 5xx; other 4xx are the request's fault) that "
              "open the API client's circuit breaker (an integer ≥ 1)."},
      {.path = "cluster.circuitBreaker.openFor",
       .value = Period<C>{at(&C::cluster, &ClusterConfig::circuit_breaker,
                             &kube::CircuitBreakerOptions::open_for),
                          positive_duration},
       .apply = kRestart,
       .doc = "while open, requests fail fast for this long; then one probe is sent (half-open)."},
      // Left out, it is the larger of its default and openFor (rules.cpp).
      {.path = "cluster.circuitBreaker.maxOpenFor",
       .value = Period<C>{at(&C::cluster, &ClusterConfig::circuit_breaker,
                             &kube::CircuitBreakerOptions::max_open_for),
                          positive_duration},
       .apply = kRestart,
       .doc = "after each failed probe the open period doubles, up to this (not less than "
              "`openFor`). Equal to `openFor`: a fixed period.",
       .default_doc = "`30s`, or `openFor` if longer"},
      {.path = "cluster.circuitBreaker.successesToClose",
       .value = Integer<C>{at(&C::cluster, &ClusterConfig::circuit_breaker,
                              &kube::CircuitBreakerOptions::successes_to_close),
                           1},
       .apply = kRestart,
       .doc = "probe successes in a row that close the breaker again (an integer ≥ 1)."},

      // Required, at least one. Each source's fields are source_fields() below; sources are
      // matched by name, so adding, removing and changing one is live.
      {.path = "sources", .value = SourceList<C>{at(&C::sources)}, .apply = kLive},

      {.path = "reconcile.workers",
       .value = Integer<C>{at(&C::reconcile, &ReconcileConfig::workers), 1, 256},
       .apply = kLive,
       .doc = "reconcile workers, 1 to 256."},
      {.path = "reconcile.resyncPeriod",
       .value = Period<C>{at(&C::reconcile, &ReconcileConfig::resync_period), off_or_second},
       .apply = kRestart,
       .doc = "how often every cached object is re-checked against the desired state; `0` turns it "
              "off, otherwise at least `1s`. A resync costs no API call when nothing drifted."},
      {.path = "reconcile.dryRun",
       .value = Flag<C>{at(&C::reconcile, &ReconcileConfig::dry_run)},
       .apply = kLive,
       .doc = "compute and log what would be applied or pruned; change nothing."},
      {.path = "reconcile.debounce",
       .value = Period<C>{at(&C::reconcile, &ReconcileConfig::debounce), not_negative},
       .apply = kRestart,
       .doc = "quiet time after a source's files change before the source is reloaded, so a save "
              "or a `git pull` is read once, whole. `0` or more."},
      {.path = "reconcile.rateLimiter.baseDelay",
       .value = Period<C>{at(&C::reconcile, &ReconcileConfig::rate_limiter,
                             &RateLimiterConfig::base_delay),
                          positive_duration},
       .apply = kRestart,
       .doc = "first retry delay of a failed object; doubles on each failure (> 0)."},
      {.path = "reconcile.rateLimiter.maxDelay",
       .value = Period<C>{at(&C::reconcile, &ReconcileConfig::rate_limiter,
                             &RateLimiterConfig::max_delay),
                          positive_duration},
       .apply = kRestart,
       .doc = "cap of the per-object delay (> 0, not less than `baseDelay`); the default is "
              "client-go's 1000 s."},
      {.path = "reconcile.rateLimiter.qps",
       .value = Number<C>{at(&C::reconcile, &ReconcileConfig::rate_limiter,
                             &RateLimiterConfig::qps),
                          positive},
       .apply = kRestart,
       .doc = "retries of failed reconciles per second across all objects (token bucket, a "
              "number > 0). A reconcile that waits (for its Namespace, for a source it depends "
              "on) sends nothing and retries on its own backoff alone."},
      {.path = "reconcile.rateLimiter.burst",
       .value = Integer<C>{at(&C::reconcile, &ReconcileConfig::rate_limiter,
                              &RateLimiterConfig::burst),
                           1},
       .apply = kRestart,
       .doc = "retries allowed at once above `qps` (an integer ≥ 1)."},

      {.path = "metrics.bindAddress",
       .value = Text<C>{at(&C::metrics, &MetricsConfig::bind_address), bind_address},
       .apply = kRestart,
       .doc = "`host:port` of `/metrics` (Prometheus); `\"0\"` disables it."},
      {.path = "metrics.secure",
       .value = Flag<C>{at(&C::metrics, &MetricsConfig::secure)},
       .apply = kRestart,
       .doc = "serve `/metrics` over HTTPS, only to callers the API server authenticates "
              "(TokenReview) and allows to get `/metrics` (SubjectAccessReview); 401, 403, or 503 "
              "while it cannot be asked. `--metrics-secure` overrides it."},
      {.path = "metrics.certDir",
       .value = FilePath<C>{at(&C::metrics, &MetricsConfig::cert_dir), true},
       .apply = kRestart,
       .doc = "with `secure`: folder holding `tls.crt` and `tls.key`, read at start. Empty: a "
              "self-signed certificate made at each start. `--metrics-cert-dir` overrides it."},
      {.path = "health.bindAddress",
       .value = Text<C>{at(&C::health, &HealthConfig::bind_address), bind_address},
       .apply = kRestart,
       .doc = "`host:port` of `/healthz` and `/readyz`; `\"0\"` disables them."},

      {.path = "leaderElection.enabled",
       .value = Flag<C>{at(&C::leader_election, &LeaderElectionConfig::enabled)},
       .apply = kRestart,
       .doc = "only the replica holding the Lease reconciles. Turn it on when running more than "
              "one replica. `--leader-elect` overrides it."},
      {.path = "leaderElection.namespace",
       .value = Text<C>{at(&C::leader_election, &LeaderElectionConfig::ns), dns_label_or_empty},
       .apply = kRestart,
       .doc = "namespace of the Lease (a DNS-1123 label). Empty: `$POD_NAMESPACE` when set "
              "(deploy/base sets it from the Downward API), else the pod's service-account "
              "namespace in a pod, else the kubeconfig context's namespace, else `default`. "
              "`--leader-election-namespace` overrides it."},
      {.path = "leaderElection.leaseName",
       .value = Text<C>{at(&C::leader_election, &LeaderElectionConfig::lease_name), dns_subdomain},
       .apply = kRestart,
       .doc = "name of the `coordination.k8s.io/v1` Lease (a DNS-1123 subdomain). "
              "`--leader-election-id` overrides it."},
      {.path = "leaderElection.leaseDuration",
       .value = Period<C>{at(&C::leader_election, &LeaderElectionConfig::lease_duration),
                          whole_seconds},
       .apply = kRestart,
       .doc = "how long other replicas wait before taking over a lease that is not renewed: a "
              "whole number of seconds, at least 1s, because the Lease holds it as "
              "`leaseDurationSeconds` (the rules below compare with what is written)."},
      {.path = "leaderElection.renewDeadline",
       .value = Period<C>{at(&C::leader_election, &LeaderElectionConfig::renew_deadline),
                          positive_duration},
       .apply = kRestart,
       .doc = "the leader steps down when it could not renew for this long; must be less than "
              "`leaseDuration`."},
      {.path = "leaderElection.retryPeriod",
       .value = Period<C>{at(&C::leader_election, &LeaderElectionConfig::retry_period),
                          positive_duration},
       .apply = kRestart,
       .doc = "time between attempts to acquire or renew; `1.2 × retryPeriod` must be less than "
              "`renewDeadline`."},

      {.path = "logging.level",
       .value = choice(at(&C::logging, &LoggingConfig::level),
                       {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}),
       .apply = kLive,
       .doc = "`debug`, `info`, `warn` or `error`."},
      {.path = "logging.format",
       .value = choice(at(&C::logging, &LoggingConfig::format),
                       {LogFormat::kJson, LogFormat::kText}),
       .apply = kRestart,
       .doc = "`json` (one object per line: `ts`, `level`, `logger`, `msg`, fields) or `text` "
              "(`TIME LEVEL [logger] msg key=value ...`, values quoted when needed). The fields "
              "and the audit lines are the same in both (docs/operations.md, \"Logs\")."},
  };
  return fields;
}

std::span<const Field<SourceConfig>> source_fields() {
  static const Field<S> fields[] = {
      {.path = "name",
       .value = Text<S>{at(&S::name), dns_label},
       .apply = kLive,
       .required = true,
       .doc = "DNS-1123 label (lowercase letters, digits, `-`; at most 63), unique among the "
              "sources. Written on every object steward applies (annotation `steward.dev/source`), "
              "so renaming a source makes its objects someone else's.",
       .default_doc = "required"},
      {.path = "path",
       .value = FilePath<S>{at(&S::path), false},
       .apply = kLive,
       .required = true,
       .doc = "a manifest file, or a directory read recursively (`*.yaml`, `*.yml`, `*.json`; "
              "names starting with `.` skipped). Relative: against the config file's folder.",
       .default_doc = "required"},
      {.path = "defaultNamespace",
       .value = Text<S>{at(&S::default_namespace), dns_label},
       .apply = kLive,
       .doc = "namespace for namespaced objects written without one (a DNS-1123 label)."},
      {.path = "prune",
       .value = Flag<S>{at(&S::prune)},
       .apply = kLive,
       .doc = "delete objects this source applied once they are gone from it. A source that fails "
              "to load prunes nothing."},
      {.path = "pruneFraction",
       .value = Number<S>{at(&S::prune_fraction), fraction},
       .apply = kLive,
       .doc = "0 < f ≤ 1: a prune that would delete more than this fraction of the source's "
              "managed objects (steward's objects of that source in the cluster) is refused (a "
              "directory emptied by mistake must not empty the cluster). The verdict is taken once "
              "per load, once every cache has synced, against the cluster, so reloading the same "
              "truncated directory or restarting on it is refused too; the refusal is logged "
              "(`prune refused`), each object left is a failing key (`steward run --once` exits "
              "1). A later load within the fraction lifts it. To force a large prune, raise it: "
              "`1` allows any prune."},
      {.path = "adopt",
       .value = choice(at(&S::adopt), {reconcile::Adopt::kIfNoConflict, reconcile::Adopt::kAlways,
                                       reconcile::Adopt::kNever}),
       .apply = kLive,
       .doc = "an object that exists without steward's marks (someone else made it): "
              "`IfNoConflict` applies it without force, and a field another manager owns with a "
              "different value is a conflict that leaves the object alone (a permanent error "
              "naming the managers and fields, a Warning Event; `steward run --once` exits 1); "
              "`Always` forces, taking those fields over; `Never` takes over nothing. Once an "
              "object carries steward's marks it is applied with force."},
      {.path = "suspend",
       .value = Flag<S>{at(&S::suspend)},
       .apply = kLive,
       .doc = "apply and prune nothing for this source (its desired state still loads, and "
              "drift is still measured: `steward_drift_detected_total`, `steward diff`). "
              "Readiness is unaffected and `steward run --once` reports the source as suspended "
              "instead of failing on it. Set back to `false`, its objects are reconciled at "
              "once."},
      {.path = "ignore",
       .value = IgnoreList<S>{at(&S::ignore)},
       .apply = kLive,
       .doc = "fields steward sets when it creates an object and then leaves to whoever changes "
              "them: a list of rules, each with either `paths` (JSON pointers into the manifest, "
              "RFC 6901, not into lists: `[\"/spec/replicas\"]`) or `managers` (field managers: a "
              "field one of them owns in `managedFields` is theirs), and an optional `target` "
              "(`group`, `version`, `kind`, `namespace`, `name`, `labelSelector`: equality-based). "
              "A manifest change of an ignored field is still applied. See \"Ignore rules\" below."},
      {.path = "dependsOn",
       // Checked against the sources' names once all are read (parser.cpp, check_depends_on).
       .value = TextList<S>{at(&S::depends_on), {}},
       .apply = kLive,
       .doc = "names of other sources: this source is applied (and pruned) only while every one of "
              "them is in sync and Current (health, docs/operations.md \"Health\"); until then its "
              "objects wait, and `/status` names the source it waits for. An unknown name or a "
              "cycle is a config error."},
  };
  return fields;
}

}  // namespace steward::config
