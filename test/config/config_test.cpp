// StewardConfig: defaults, every field read, every mistake reported at its line and column, and
// which changes the running daemon can take.

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "config/steward_config.hpp"
#include "kube/temp_dir.hpp"

using namespace steward::config;
using namespace std::chrono_literals;
using steward::test::TempDir;
namespace fs = std::filesystem;

namespace {

// Lines 1-5; a test's own text starts on line 6.
const std::string kHead =
    "apiVersion: steward.dev/v1alpha1\n"
    "kind: StewardConfig\n"
    "sources:\n"
    "  - name: apps\n"
    "    path: manifests/apps\n";

ConfigLoad parse(const std::string& text) {
  return parse_config(text, "steward.yaml", "/etc/steward");
}

std::vector<std::string> errors(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& e : parse(text).errors) out.push_back(e.to_string());
  return out;
}

using Lines = std::vector<std::string>;

StewardConfig with_source(StewardConfig config, std::string name, fs::path path) {
  SourceConfig source;
  source.name = std::move(name);
  source.path = std::move(path);
  config.sources.push_back(std::move(source));
  return config;
}

}  // namespace

TEST_CASE("default_config holds the documented defaults") {
  const StewardConfig c = default_config();
  CHECK(c.cluster.kubeconfig.empty());
  CHECK(c.cluster.context.empty());
  CHECK_FALSE(c.cluster.in_cluster);
  CHECK(c.cluster.qps == 50);
  CHECK(c.cluster.burst == 100);
  CHECK(c.cluster.circuit_breaker.failure_threshold == 5);
  CHECK(c.cluster.circuit_breaker.open_for == 1s);
  CHECK(c.cluster.circuit_breaker.max_open_for == 30s);
  CHECK(c.cluster.circuit_breaker.successes_to_close == 2);
  CHECK(c.sources.empty());
  CHECK(c.reconcile.workers == 4);
  CHECK(c.reconcile.resync_period == 10min);
  CHECK_FALSE(c.reconcile.dry_run);
  CHECK(c.reconcile.debounce == 1s);
  CHECK(c.reconcile.rate_limiter.base_delay == 5ms);
  CHECK(c.reconcile.rate_limiter.max_delay == 1000s);
  CHECK(c.reconcile.rate_limiter.qps == 10);
  CHECK(c.reconcile.rate_limiter.burst == 100);
  CHECK(c.metrics.bind_address == ":8080");
  CHECK(c.health.bind_address == ":8081");
  CHECK_FALSE(c.leader_election.enabled);
  CHECK(c.leader_election.ns.empty());
  CHECK(c.leader_election.lease_name == "steward");
  CHECK(c.leader_election.lease_duration == 15s);
  CHECK(c.leader_election.renew_deadline == 10s);
  CHECK(c.leader_election.retry_period == 2s);
  CHECK(c.logging.level == LogLevel::kInfo);
  CHECK(c.logging.format == LogFormat::kJson);

  SourceConfig source;
  CHECK(source.default_namespace == "default");
  CHECK_FALSE(source.prune);
  CHECK(source.prune_fraction == 0.5);
}

TEST_CASE("a file with only apiVersion, kind and sources gets every other default") {
  const ConfigLoad load = parse(kHead);
  REQUIRE(load.ok());
  REQUIRE(load.config);
  CHECK(*load.config == with_source(default_config(), "apps", "/etc/steward/manifests/apps"));
}

TEST_CASE("sections written empty or null keep their defaults") {
  const ConfigLoad load = parse(kHead +
                                "cluster:\n"
                                "reconcile: {}\n"
                                "leaderElection:\n"
                                "  leaseName: ~\n"
                                "logging:\n"
                                "  level: null\n");
  REQUIRE(load.ok());
  CHECK(*load.config == with_source(default_config(), "apps", "/etc/steward/manifests/apps"));
}

TEST_CASE("a complete file sets every field") {
  const ConfigLoad load = parse(R"(# every field, none at its default
apiVersion: steward.dev/v1alpha1
kind: StewardConfig
cluster:
  kubeconfig: /home/me/.kube/prod
  context: prod
  inCluster: false
  qps: 20.5
  burst: 40
  circuitBreaker:
    failureThreshold: 3
    openFor: 2s
    maxOpenFor: 1m
    successesToClose: 1
sources:
  - name: apps
    path: /srv/apps
    defaultNamespace: team-a
    prune: true
    pruneFraction: 0.25
  - name: platform
    path: platform.yaml
reconcile:
  workers: 16
  resyncPeriod: 1h30m
  dryRun: yes
  debounce: 250ms
  rateLimiter:
    baseDelay: 10ms
    maxDelay: 5m
    qps: 2.5
    burst: 20
metrics:
  bindAddress: "127.0.0.1:9090"
  secure: true
  certDir: certs
health:
  bindAddress: "[::1]:9091"
leaderElection:
  enabled: true
  namespace: steward-system
  leaseName: steward.example.com
  leaseDuration: 30s
  renewDeadline: 20s
  retryPeriod: 4s
logging:
  level: debug
  format: text
)");
  INFO((load.errors.empty() ? "" : load.errors.front().to_string()));
  REQUIRE(load.ok());
  const StewardConfig& c = *load.config;
  CHECK(c.cluster.kubeconfig == "/home/me/.kube/prod");
  CHECK(c.cluster.context == "prod");
  CHECK_FALSE(c.cluster.in_cluster);
  CHECK(c.cluster.qps == 20.5);
  CHECK(c.cluster.burst == 40);
  CHECK(c.cluster.circuit_breaker.failure_threshold == 3);
  CHECK(c.cluster.circuit_breaker.open_for == 2s);
  CHECK(c.cluster.circuit_breaker.max_open_for == 1min);
  CHECK(c.cluster.circuit_breaker.successes_to_close == 1);
  REQUIRE(c.sources.size() == 2);
  CHECK(c.sources[0].name == "apps");
  CHECK(c.sources[0].path == "/srv/apps");
  CHECK(c.sources[0].default_namespace == "team-a");
  CHECK(c.sources[0].prune);
  CHECK(c.sources[0].prune_fraction == 0.25);
  CHECK(c.sources[1].name == "platform");
  CHECK(c.sources[1].path == "/etc/steward/platform.yaml");
  CHECK(c.sources[1].default_namespace == "default");
  CHECK_FALSE(c.sources[1].prune);
  CHECK(c.reconcile.workers == 16);
  CHECK(c.reconcile.resync_period == 90min);
  CHECK(c.reconcile.dry_run);  // `yes` is true, as Kubernetes' YAML 1.1 decoder reads it
  CHECK(c.reconcile.debounce == 250ms);
  CHECK(c.reconcile.rate_limiter.base_delay == 10ms);
  CHECK(c.reconcile.rate_limiter.max_delay == 5min);
  CHECK(c.reconcile.rate_limiter.qps == 2.5);
  CHECK(c.reconcile.rate_limiter.burst == 20);
  CHECK(c.metrics.bind_address == "127.0.0.1:9090");
  CHECK(c.metrics.secure);
  CHECK(c.metrics.cert_dir == "/etc/steward/certs");  // beside the config file
  CHECK(c.health.bind_address == "[::1]:9091");
  CHECK(c.leader_election.enabled);
  CHECK(c.leader_election.ns == "steward-system");
  CHECK(c.leader_election.lease_name == "steward.example.com");
  CHECK(c.leader_election.lease_duration == 30s);
  CHECK(c.leader_election.renew_deadline == 20s);
  CHECK(c.leader_election.retry_period == 4s);
  CHECK(c.logging.level == LogLevel::kDebug);
  CHECK(c.logging.format == LogFormat::kText);
}

TEST_CASE("the shipped example config/steward.yaml is valid") {
  const fs::path example = STEWARD_EXAMPLE_CONFIG;
  const ConfigLoad load = load_config_file(example);
  for (const auto& e : load.errors) UNSCOPED_INFO(e.to_string());
  CHECK(load.ok());
}

TEST_CASE("apiVersion and kind must be exactly steward.dev/v1alpha1 and StewardConfig") {
  CHECK(errors("apiVersion: steward.dev/v1\nkind: Config\nsources: [{name: a, path: b}]\n") ==
        Lines{"steward.yaml:1:13: apiVersion must be \"steward.dev/v1alpha1\", got "
              "\"steward.dev/v1\"",
              "steward.yaml:2:7: kind must be \"StewardConfig\", got \"Config\""});
  CHECK(errors("sources: [{name: a, path: b}]\n") ==
        Lines{"steward.yaml:1:1: apiVersion is required (apiVersion: steward.dev/v1alpha1)",
              "steward.yaml:1:1: kind is required (kind: StewardConfig)"});
}

TEST_CASE("an unknown field is an error at its key, with the closest known name") {
  CHECK(errors(kHead +
               "reconcile:\n"
               "    worker: 8\n"
               "    rateLimiter:\n"
               "      base_delay: 5ms\n"
               "cluster:\n"
               "  InCluster: true\n"
               "  proxy: http://proxy\n"
               "sourcez: []\n") ==
        Lines{"steward.yaml:7:5: unknown field \"worker\" in reconcile (did you mean \"workers\"?)",
              "steward.yaml:9:7: unknown field \"base_delay\" in reconcile.rateLimiter (did you "
              "mean \"baseDelay\"?)",
              "steward.yaml:11:3: unknown field \"InCluster\" in cluster (did you mean "
              "\"inCluster\"?)",
              "steward.yaml:12:3: unknown field \"proxy\" in cluster",
              "steward.yaml:13:1: unknown field \"sourcez\" (did you mean \"sources\"?)"});
  CHECK(errors("apiVersion: steward.dev/v1alpha1\n"
               "kind: StewardConfig\n"
               "sources:\n"
               "  - name: apps\n"
               "    path: x\n"
               "    namespace: team\n") ==
        Lines{"steward.yaml:6:5: unknown field \"namespace\" in sources[0]"});
}

TEST_CASE("a field written twice in one mapping is an error at the second") {
  CHECK(errors(kHead +
               "reconcile:\n"
               "  workers: 2\n"
               "  workers: 3\n") ==
        Lines{"steward.yaml:8:3: field \"workers\" written twice in reconcile (first at line 7)"});
}

// One row per field the file may hold: a value of the wrong type, and the one error it gets, at
// the value. (Unknown fields and fields written twice have test cases of their own above.)
TEST_CASE("every field of the wrong type is an error at its value") {
  const std::string top = "apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\n";
  const std::string source = "sources:\n  - name: apps\n    path: p\n";  // lines 3-5
  struct Row {
    std::string text;
    std::string error;
  };
  const std::vector<Row> rows = {
      {"apiVersion: 1\nkind: StewardConfig\n" + source,
       "steward.yaml:1:13: apiVersion must be a string, got the integer 1 (quote it: \"1\")"},
      {"apiVersion: steward.dev/v1alpha1\nkind: [StewardConfig]\n" + source,
       "steward.yaml:2:7: kind must be a string, not a list"},
      {top + source + "cluster: local\n",
       "steward.yaml:6:10: cluster must be a mapping, not the value \"local\""},
      {top + source + "cluster:\n  kubeconfig: 5\n",
       "steward.yaml:7:15: cluster.kubeconfig must be a string, got the integer 5 (quote it: "
       "\"5\")"},
      {top + source + "cluster:\n  context: 42\n",
       "steward.yaml:7:12: cluster.context must be a string, got the integer 42 (quote it: "
       "\"42\")"},
      {top + source + "cluster:\n  inCluster: maybe\n",
       "steward.yaml:7:14: cluster.inCluster must be true or false, got the string \"maybe\""},
      {top + source + "cluster:\n  qps: \"50\"\n",
       "steward.yaml:7:8: cluster.qps must be a number, got the string \"50\""},
      {top + source + "cluster:\n  burst: 1.5\n",
       "steward.yaml:7:10: cluster.burst must be an integer, got the number 1.5"},
      {top + source + "cluster:\n  circuitBreaker: 30s\n",
       "steward.yaml:7:19: cluster.circuitBreaker must be a mapping, not the value \"30s\""},
      {top + source + "cluster:\n  circuitBreaker:\n    failureThreshold: \"5\"\n",
       "steward.yaml:8:23: cluster.circuitBreaker.failureThreshold must be an integer, got the "
       "string \"5\""},
      {top + source + "cluster:\n  circuitBreaker:\n    openFor: 30\n",
       "steward.yaml:8:14: cluster.circuitBreaker.openFor must be a duration such as \"500ms\", "
       "\"10s\" or \"1m30s\": missing unit in duration \"30\" (ns, us, ms, s, m or h)"},
      {top + source + "cluster:\n  circuitBreaker:\n    maxOpenFor: [30s]\n",
       "steward.yaml:8:17: cluster.circuitBreaker.maxOpenFor must be a duration such as \"500ms\", "
       "\"10s\" or \"1m30s\", not a list"},
      {top + source + "cluster:\n  circuitBreaker:\n    successesToClose: true\n",
       "steward.yaml:8:23: cluster.circuitBreaker.successesToClose must be an integer, got the "
       "boolean true"},
      {top + "sources: apps\n",
       "steward.yaml:3:10: sources must be a list, not the value \"apps\""},
      {top + "sources:\n  - apps\n",
       "steward.yaml:4:5: sources[0] must be a mapping, not the value \"apps\""},
      {top + "sources:\n  - name: [apps]\n    path: p\n",
       "steward.yaml:4:11: sources[0].name must be a string, not a list"},
      {top + "sources:\n  - name: apps\n    path: {p: q}\n",
       "steward.yaml:5:11: sources[0].path must be a string, not a mapping"},
      {top + source + "    defaultNamespace: 7\n",
       "steward.yaml:6:23: sources[0].defaultNamespace must be a string, got the integer 7 (quote "
       "it: \"7\")"},
      {top + source + "    prune: sometimes\n",
       "steward.yaml:6:12: sources[0].prune must be true or false, got the string \"sometimes\""},
      {top + source + "    pruneFraction: half\n",
       "steward.yaml:6:20: sources[0].pruneFraction must be a number, got the string \"half\""},
      {top + source + "reconcile: fast\n",
       "steward.yaml:6:12: reconcile must be a mapping, not the value \"fast\""},
      {top + source + "reconcile:\n  workers: [4]\n",
       "steward.yaml:7:12: reconcile.workers must be an integer, not a list"},
      {top + source + "reconcile:\n  resyncPeriod: true\n",
       "steward.yaml:7:17: reconcile.resyncPeriod must be a duration such as \"500ms\", \"10s\" "
       "or \"1m30s\", got the boolean true"},
      {top + source + "reconcile:\n  dryRun: 1\n",
       "steward.yaml:7:11: reconcile.dryRun must be true or false, got the integer 1"},
      {top + source + "reconcile:\n  debounce: 100\n",
       "steward.yaml:7:13: reconcile.debounce must be a duration such as \"500ms\", \"10s\" or "
       "\"1m30s\": missing unit in duration \"100\" (ns, us, ms, s, m or h)"},
      {top + source + "reconcile:\n  rateLimiter: 10\n",
       "steward.yaml:7:16: reconcile.rateLimiter must be a mapping, not the value \"10\""},
      {top + source + "reconcile:\n  rateLimiter:\n    baseDelay: [5ms]\n",
       "steward.yaml:8:16: reconcile.rateLimiter.baseDelay must be a duration such as \"500ms\", "
       "\"10s\" or \"1m30s\", not a list"},
      {top + source + "reconcile:\n  rateLimiter:\n    maxDelay: {a: 1}\n",
       "steward.yaml:8:15: reconcile.rateLimiter.maxDelay must be a duration such as \"500ms\", "
       "\"10s\" or \"1m30s\", not a mapping"},
      {top + source + "reconcile:\n  rateLimiter:\n    qps: ten\n",
       "steward.yaml:8:10: reconcile.rateLimiter.qps must be a number, got the string \"ten\""},
      {top + source + "reconcile:\n  rateLimiter:\n    burst: \"100\"\n",
       "steward.yaml:8:12: reconcile.rateLimiter.burst must be an integer, got the string \"100\""},
      {top + source + "metrics: 8080\n",
       "steward.yaml:6:10: metrics must be a mapping, not the value \"8080\""},
      {top + source + "metrics:\n  bindAddress: 0\n",
       "steward.yaml:7:16: metrics.bindAddress must be a string, got the integer 0 (quote it: "
       "\"0\")"},
      {top + source + "health: [8081]\n",
       "steward.yaml:6:9: health must be a mapping, not a list"},
      {top + source + "health:\n  bindAddress: true\n",
       "steward.yaml:7:16: health.bindAddress must be a string, got the boolean true (quote it: "
       "\"true\")"},
      {top + source + "leaderElection: on\n",
       "steward.yaml:6:17: leaderElection must be a mapping, not the value \"on\""},
      {top + source + "leaderElection:\n  enabled: enabled\n",
       "steward.yaml:7:12: leaderElection.enabled must be true or false, got the string "
       "\"enabled\""},
      {top + source + "leaderElection:\n  namespace: 1\n",
       "steward.yaml:7:14: leaderElection.namespace must be a string, got the integer 1 (quote "
       "it: \"1\")"},
      {top + source + "leaderElection:\n  leaseName: yes\n",
       "steward.yaml:7:14: leaderElection.leaseName must be a string, got the boolean yes (quote "
       "it: \"yes\")"},
      {top + source + "leaderElection:\n  leaseDuration: 15\n",
       "steward.yaml:7:18: leaderElection.leaseDuration must be a duration such as \"500ms\", "
       "\"10s\" or \"1m30s\": missing unit in duration \"15\" (ns, us, ms, s, m or h)"},
      {top + source + "leaderElection:\n  renewDeadline: [10s]\n",
       "steward.yaml:7:18: leaderElection.renewDeadline must be a duration such as \"500ms\", "
       "\"10s\" or \"1m30s\", not a list"},
      {top + source + "leaderElection:\n  retryPeriod: {s: 2}\n",
       "steward.yaml:7:16: leaderElection.retryPeriod must be a duration such as \"500ms\", "
       "\"10s\" or \"1m30s\", not a mapping"},
      {top + source + "logging: debug\n",
       "steward.yaml:6:10: logging must be a mapping, not the value \"debug\""},
      {top + source + "logging:\n  level: 3\n",
       "steward.yaml:7:10: logging.level must be a string, got the integer 3 (quote it: \"3\")"},
      {top + source + "logging:\n  format: [json]\n",
       "steward.yaml:7:11: logging.format must be a string, not a list"},
  };
  for (const Row& row : rows) {
    INFO(row.text);
    CHECK(errors(row.text) == Lines{row.error});
  }
}

TEST_CASE("standard tags are honoured and others refused") {
  const ConfigLoad load = parse(kHead + "reconcile:\n  workers: !!int \"8\"\n");
  REQUIRE(load.ok());
  CHECK(load.config->reconcile.workers == 8);
  CHECK(errors(kHead +
               "reconcile:\n"
               "  workers: !!str 8\n"
               "  dryRun: !!bool maybe\n"
               "  debounce: !custom 1s\n") ==
        Lines{"steward.yaml:7:12: reconcile.workers must be an integer, got the string \"8\"",
              "steward.yaml:8:11: reconcile.dryRun: cannot read \"maybe\" as !!bool",
              "steward.yaml:9:13: reconcile.debounce: unsupported tag \"!custom\""});
}

TEST_CASE("values out of range are errors") {
  CHECK(errors(kHead +
               "cluster:\n"
               "  qps: 0\n"
               "  burst: -1\n"
               "reconcile:\n"
               "  workers: 257\n"
               "  resyncPeriod: 500ms\n"
               "  debounce: -1s\n"
               "  rateLimiter:\n"
               "    baseDelay: 0s\n"
               "    qps: -2.5\n"
               "    burst: 0\n") ==
        Lines{"steward.yaml:7:8: cluster.qps must be more than 0, got 0",
              "steward.yaml:8:10: cluster.burst must be at least 1, got -1",
              "steward.yaml:10:12: reconcile.workers must be from 1 to 256, got 257",
              "steward.yaml:11:17: reconcile.resyncPeriod must be 0 (off) or at least 1s, got "
              "500ms",
              "steward.yaml:12:13: reconcile.debounce must not be negative, got -1s",
              "steward.yaml:14:16: reconcile.rateLimiter.baseDelay must be more than 0, got 0s",
              "steward.yaml:15:10: reconcile.rateLimiter.qps must be more than 0, got -2.5",
              "steward.yaml:16:12: reconcile.rateLimiter.burst must be at least 1, got 0"});
  CHECK(errors(kHead + "reconcile:\n  workers: 0\n") ==
        Lines{"steward.yaml:7:12: reconcile.workers must be from 1 to 256, got 0"});
  CHECK(errors(kHead + "reconcile:\n  workers: 99999999999999999999\n") ==
        Lines{"steward.yaml:7:12: reconcile.workers must be an integer, got the number "
              "99999999999999999999"});
  CHECK(errors(kHead + "cluster:\n  qps: .inf\n") ==
        Lines{"steward.yaml:7:8: cluster.qps must be a finite number, got .inf"});
}

TEST_CASE("a resync period of 0 turns resync off") {
  const ConfigLoad load = parse(kHead + "reconcile:\n  resyncPeriod: 0\n  debounce: 0s\n");
  REQUIRE(load.ok());
  CHECK(load.config->reconcile.resync_period == 0s);
  CHECK(load.config->reconcile.debounce == 0s);
}

TEST_CASE("sources are required, each with a unique DNS-label name and a path") {
  CHECK(errors("apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\n") ==
        Lines{"steward.yaml:1:1: sources is required: list at least one source with a name and "
              "a path"});
  CHECK(errors("apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources: []\n") ==
        Lines{"steward.yaml:3:10: sources must list at least one source with a name and a path"});
  CHECK(errors("apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources: apps\n") ==
        Lines{"steward.yaml:3:10: sources must be a list, not the value \"apps\""});
  CHECK(errors("apiVersion: steward.dev/v1alpha1\nkind: StewardConfig\nsources:\n  - apps\n") ==
        Lines{"steward.yaml:4:5: sources[0] must be a mapping, not the value \"apps\""});
  CHECK(errors("apiVersion: steward.dev/v1alpha1\n"
               "kind: StewardConfig\n"
               "sources:\n"
               "  - name: apps\n"         // 4
               "    path: a\n"
               "  - path: b\n"            // 6: no name
               "  - name: Apps_2\n"       // 7: not a label
               "    path: c\n"
               "  - name: apps\n"         // 9: duplicate
               "    path: \"\"\n"         // 10: empty path
               "  - name: web\n"          // 11: no path
               "    defaultNamespace: Team\n"
               "    pruneFraction: 0\n"
               "  - name: db\n"
               "    path: ~/manifests\n"
               "    pruneFraction: 1.5\n") ==
        Lines{"steward.yaml:6:5: sources[1].name is required",
              "steward.yaml:7:11: sources[2].name \"Apps_2\" must be a DNS-1123 label (at most 63 "
              "characters of a-z, 0-9 and '-', starting and ending with a letter or digit)",
              "steward.yaml:9:11: duplicate source name \"apps\" (first at line 4)",
              "steward.yaml:10:11: sources[3].path must not be empty",
              "steward.yaml:11:5: sources[4].path is required",
              "steward.yaml:12:23: sources[4].defaultNamespace \"Team\" must be a DNS-1123 label "
              "(at most 63 characters of a-z, 0-9 and '-', starting and ending with a letter or "
              "digit)",
              "steward.yaml:13:20: sources[4].pruneFraction must be more than 0 and at most 1, "
              "got 0",
              "steward.yaml:15:11: sources[5].path \"~/manifests\" starts with '~', which steward "
              "does not expand; write the full path",
              "steward.yaml:16:20: sources[5].pruneFraction must be more than 0 and at most 1, "
              "got 1.5"});
}

TEST_CASE("prune fractions at the limits") {
  const ConfigLoad load = parse(kHead + "    pruneFraction: 1\n");
  REQUIRE(load.ok());
  CHECK(load.config->sources[0].prune_fraction == 1.0);
  CHECK(parse(kHead + "    pruneFraction: 0.001\n").ok());
}

TEST_CASE("leader election timings must keep client-go's order") {
  CHECK(errors(kHead +
               "leaderElection:\n"
               "  leaseDuration: 10s\n"
               "  renewDeadline: 10s\n") ==
        Lines{"steward.yaml:8:18: leaderElection.renewDeadline (10s) must be less than "
              "leaseDuration (10s)"});
  // renewDeadline left at its default (10s): the error points at the field that was written.
  CHECK(errors(kHead + "leaderElection:\n  leaseDuration: 5s\n") ==
        Lines{"steward.yaml:7:18: leaderElection.renewDeadline (10s) must be less than "
              "leaseDuration (5s)"});
  CHECK(errors(kHead + "leaderElection:\n  retryPeriod: 9s\n") ==
        Lines{"steward.yaml:7:16: leaderElection.renewDeadline (10s) must be more than 1.2 times "
              "retryPeriod (9s), or jittered retries could miss it"});
  CHECK(errors(kHead +
               "leaderElection:\n"
               "  namespace: Steward\n"
               "  leaseName: \"-bad\"\n"
               "  leaseDuration: 0s\n") ==
        Lines{"steward.yaml:7:14: leaderElection.namespace \"Steward\" must be a DNS-1123 label "
              "(at most 63 characters of a-z, 0-9 and '-', starting and ending with a letter or "
              "digit)",
              "steward.yaml:8:14: leaderElection.leaseName \"-bad\" must be a DNS-1123 subdomain "
              "(at most 253 characters of a-z, 0-9, '-' and '.', each part starting and ending "
              "with a letter or digit)",
              "steward.yaml:9:18: leaderElection.leaseDuration must be a whole number of "
              "seconds, at least 1s, got 0s"});
}

// The Lease holds leaseDurationSeconds, an integer: 1500ms would be written as 1 s, and the rule
// renewDeadline < leaseDuration, checked against 1500ms, would not be the rule in force.
TEST_CASE("leaseDuration must be what the Lease can hold: whole seconds") {
  CHECK(errors(kHead +
               "leaderElection:\n"
               "  leaseDuration: 1500ms\n"
               "  renewDeadline: 1200ms\n"
               "  retryPeriod: 500ms\n") ==
        Lines{"steward.yaml:7:18: leaderElection.leaseDuration must be a whole number of "
              "seconds, at least 1s, got 1.5s"});
  CHECK(errors(kHead + "leaderElection:\n  leaseDuration: 500ms\n").size() == 1);
  // Sub-second renewDeadline and retryPeriod stay steward's own timers, used exactly.
  CHECK(parse(kHead +
              "leaderElection:\n"
              "  leaseDuration: 2s\n"
              "  renewDeadline: 1500ms\n"
              "  retryPeriod: 500ms\n")
            .ok());
}

TEST_CASE("a qps or burst the file sets bounds the adaptive throttle, the defaults do not") {
  const auto cluster = [](const std::string& fields) {
    const ConfigLoad load = parse(kHead + "cluster: {" + fields + "}\n");
    REQUIRE(load.ok());
    return load.config->cluster;
  };
  CHECK_FALSE(cluster("").qps_is_bound);
  CHECK_FALSE(cluster("").burst_is_bound);
  CHECK(cluster("qps: 50").qps_is_bound);  // the default's value, written: a bound all the same
  CHECK_FALSE(cluster("qps: 50").burst_is_bound);
  CHECK(cluster("burst: 7").burst_is_bound);
  CHECK_FALSE(cluster("qps: ~").qps_is_bound);  // written empty: the default, unbound
  const ConfigLoad none = parse(kHead);
  REQUIRE(none.ok());
  CHECK_FALSE(none.config->cluster.qps_is_bound);
}

TEST_CASE("the circuit breaker's maximum defaults to the larger of 30 s and openFor") {
  const auto breaker = [](const std::string& fields) {
    const ConfigLoad load = parse(kHead + "cluster:\n  circuitBreaker: {" + fields + "}\n");
    REQUIRE(load.ok());
    return load.config->cluster.circuit_breaker;
  };
  // openFor alone, shorter: doubling from it up to 30 s.
  CHECK(breaker("openFor: 1s").open_for == 1s);
  CHECK(breaker("openFor: 1s").max_open_for == 30s);
  // openFor alone, longer: a fixed period of its own, not an error against the default maximum.
  CHECK(breaker("openFor: 1m").max_open_for == 1min);
  CHECK(breaker("openFor: 1s, maxOpenFor: 5s").max_open_for == 5s);
  CHECK(errors(kHead + "cluster:\n  circuitBreaker:\n    openFor: 10s\n    maxOpenFor: 5s\n") ==
        Lines{"steward.yaml:9:17: cluster.circuitBreaker.maxOpenFor (5s) must not be less than "
              "openFor (10s)"});
  CHECK(errors(kHead + "cluster:\n  circuitBreaker: {failureThreshold: 0}\n") ==
        Lines{"steward.yaml:7:38: cluster.circuitBreaker.failureThreshold must be at least 1, "
              "got 0"});
}

TEST_CASE("checks across fields") {
  CHECK(errors(kHead +
               "cluster:\n"
               "  context: prod\n"
               "  inCluster: true\n"
               "reconcile:\n"
               "  rateLimiter:\n"
               "    maxDelay: 1ms\n"
               "metrics:\n"
               "  bindAddress: \":9000\"\n"
               "health:\n"
               "  bindAddress: \":9000\"\n") ==
        Lines{"steward.yaml:8:14: cluster.inCluster uses the pod's service account; it cannot be "
              "combined with cluster.kubeconfig or cluster.context",
              "steward.yaml:11:15: reconcile.rateLimiter.maxDelay (1ms) must not be less than "
              "baseDelay (5ms)",
              "steward.yaml:15:16: health.bindAddress and metrics.bindAddress are both \":9000\"; "
              "they need different ports"});
  // A field that is wrong on its own is not reported again by a check across fields.
  CHECK(errors(kHead + "reconcile:\n  rateLimiter:\n    baseDelay: 1d\n    maxDelay: 1ms\n") ==
        Lines{"steward.yaml:8:16: reconcile.rateLimiter.baseDelay must be a duration such as "
              "\"500ms\", \"10s\" or \"1m30s\": unknown unit \"d\" in duration \"1d\" (ns, us, "
              "ms, s, m or h)"});
  // "0" disables both endpoints; two disabled endpoints do not clash.
  const ConfigLoad load =
      parse(kHead + "metrics: {bindAddress: \"0\"}\nhealth: {bindAddress: \"0\"}\n");
  REQUIRE(load.ok());
  CHECK(load.config->metrics.bind_address == "0");
  // Port 0 is a free port picked at start, a different one for each.
  CHECK(parse(kHead + "metrics: {bindAddress: \"127.0.0.1:0\"}\n"
                      "health: {bindAddress: \"127.0.0.1:0\"}\n").ok());
}

TEST_CASE("bind addresses must be host:port or 0") {
  CHECK(errors(kHead +
               "metrics:\n"
               "  bindAddress: \"8080\"\n"
               "health:\n"
               "  bindAddress: \":http\"\n") ==
        Lines{"steward.yaml:7:16: metrics.bindAddress must be host:port (\":8080\", "
              "\"127.0.0.1:8080\", \"[::1]:8080\") or \"0\" to disable, got \"8080\"",
              "steward.yaml:9:16: health.bindAddress has port \"http\"; the port must be a number "
              "from 0 to 65535"});
  CHECK(errors(kHead + "metrics:\n  bindAddress: \"::1:8080\"\n") ==
        Lines{"steward.yaml:7:16: metrics.bindAddress must be host:port (\":8080\", "
              "\"127.0.0.1:8080\", \"[::1]:8080\") or \"0\" to disable (an IPv6 host goes in "
              "brackets), got \"::1:8080\""});
  CHECK(errors(kHead + "metrics:\n  bindAddress: \":65536\"\n") ==
        Lines{"steward.yaml:7:16: metrics.bindAddress has port \"65536\"; the port must be a "
              "number from 0 to 65535"});
}

TEST_CASE("logging level and format are one of their names") {
  CHECK(errors(kHead + "logging:\n  level: INFO\n  format: yaml\n") ==
        Lines{"steward.yaml:7:10: logging.level must be one of debug, info, warn, error, got "
              "\"INFO\"",
              "steward.yaml:8:11: logging.format must be one of json, text, got \"yaml\""});
  for (auto [name, level] : {std::pair{"debug", LogLevel::kDebug}, {"info", LogLevel::kInfo},
                             {"warn", LogLevel::kWarn}, {"error", LogLevel::kError}}) {
    const ConfigLoad load = parse(kHead + "logging:\n  level: " + name + "\n");
    REQUIRE(load.ok());
    CHECK(load.config->logging.level == level);
    CHECK(to_string(level) == name);
  }
}

TEST_CASE("the file as a whole: syntax, encoding, emptiness, one mapping document") {
  CHECK(errors(kHead + "reconcile:\n  workers: [1, 2\n") ==
        Lines{"steward.yaml:7:12: YAML: end of sequence flow not found: the '[' here is never "
              "closed"});
  CHECK(errors("") ==
        Lines{"steward.yaml:1:1: the file is empty; a StewardConfig needs apiVersion, kind and "
              "sources"});
  CHECK(errors("# nothing but a comment\n") == errors(""));
  CHECK(errors("- apiVersion\n") ==
        Lines{"steward.yaml:1:1: the document must be a mapping, not a list"});
  CHECK(errors(kHead + "---\nlogging: {}\n") ==
        Lines{"steward.yaml:7:1: a config file holds one YAML document; a second one starts here"});
  CHECK(errors(kHead + "cluster:\n  context: \"caf\xe9\"\n") ==
        Lines{"steward.yaml:7:16: invalid UTF-8"});
  // A ',' after a flow mapping: yaml-cpp 0.7's LoadAll never returned (found by fuzz/manifest_fuzz;
  // the config file is read the same way).
  CHECK(errors("{apiVersion: steward.dev/v1alpha1, kind: StewardConfig},\n") ==
        Lines{"steward.yaml:1:56: YAML: unexpected ',' outside [ ] and { }"});
  // The manifests' limits hold here too (desired/yaml_documents.hpp).
  CHECK(errors(std::string(100'000, '[')) ==
        Lines{"steward.yaml:1:101: nesting deeper than 200 levels"});
  CHECK(errors(kHead + "base: &b {workers: 2}\nreconcile:\n  <<: *b\n") ==
        Lines{"steward.yaml:6:1: unknown field \"base\"",
              "steward.yaml:8:3: unknown field \"<<\" in reconcile (merge keys are not supported "
              "in a StewardConfig)"});
}

TEST_CASE("every error in a file is reported, in file order") {
  const auto found = errors("apiVersion: v1\n"
                            "kind: StewardConfig\n"
                            "logging:\n"
                            "  level: loud\n"
                            "sources:\n"
                            "  - name: a\n"
                            "    path: p\n"
                            "    prune: sometimes\n"
                            "reconcile:\n"
                            "  workers: 0\n"
                            "  resyncPeriod: 10\n");
  REQUIRE(found.size() == 5);
  CHECK(found[0].starts_with("steward.yaml:1:13: apiVersion"));
  CHECK(found[1].starts_with("steward.yaml:4:10: logging.level"));
  CHECK(found[2].starts_with("steward.yaml:8:12: sources[0].prune"));
  CHECK(found[3].starts_with("steward.yaml:10:12: reconcile.workers"));
  CHECK(found[4] ==
        "steward.yaml:11:17: reconcile.resyncPeriod must be a duration such as \"500ms\", \"10s\" "
        "or \"1m30s\": missing unit in duration \"10\" (ns, us, ms, s, m or h)");
}

TEST_CASE("relative paths resolve against the config file's folder") {
  const std::string text = "apiVersion: steward.dev/v1alpha1\n"
                           "kind: StewardConfig\n"
                           "cluster:\n"
                           "  kubeconfig: ../kube/config\n"
                           "sources:\n"
                           "  - {name: rel, path: manifests/apps}\n"
                           "  - {name: dot, path: ./a/../b/}\n"
                           "  - {name: abs, path: /srv/apps}\n";
  SECTION("against the given folder, normalised") {
    const ConfigLoad load = parse_config(text, "steward.yaml", "/etc/steward");
    REQUIRE(load.ok());
    const StewardConfig& c = *load.config;
    CHECK(c.cluster.kubeconfig == "/etc/kube/config");
    CHECK(c.sources[0].path == "/etc/steward/manifests/apps");
    CHECK(c.sources[1].path == "/etc/steward/b/");
    CHECK(c.sources[2].path == "/srv/apps");
  }
  SECTION("left relative without a folder") {
    const ConfigLoad load = parse_config(text, "steward.yaml", "");
    REQUIRE(load.ok());
    CHECK(load.config->sources[0].path == "manifests/apps");
    CHECK(load.config->sources[2].path == "/srv/apps");
  }
  SECTION("load_config_file uses the absolute folder of the file") {
    TempDir dir;
    const fs::path file = dir.write("conf/steward.yaml", text);
    const ConfigLoad load = load_config_file(file);
    REQUIRE(load.ok());
    CHECK(load.config->sources[0].path == dir.path() / "conf/manifests/apps");
    CHECK(load.config->cluster.kubeconfig == dir.path() / "kube/config");

    // From a working directory beside it, with a relative file name: errors name the file as
    // given, paths still resolve absolutely.
    const fs::path cwd = fs::current_path();
    fs::current_path(dir.path());
    dir.write("conf/bad.yaml", text + "logging: {level: loud}\n");
    const ConfigLoad relative = load_config_file("conf/steward.yaml");
    const ConfigLoad bad = load_config_file("conf/bad.yaml");
    fs::current_path(cwd);
    REQUIRE(relative.ok());
    CHECK(relative.config->sources[0].path == dir.path() / "conf/manifests/apps");
    REQUIRE(bad.errors.size() == 1);
    CHECK(bad.errors[0].to_string().starts_with("conf/bad.yaml:9:18: logging.level"));
  }
  SECTION("a missing file is one error naming it") {
    TempDir dir;
    const ConfigLoad load = load_config_file(dir.path() / "nope.yaml");
    REQUIRE(load.errors.size() == 1);
    CHECK(load.errors[0].to_string() == (dir.path() / "nope.yaml").string() + ": no such file");
  }
}

TEST_CASE("compare lists the fields that differ and whether the daemon can take them live") {
  const StewardConfig running = with_source(with_source(default_config(), "apps", "/srv/apps"),
                                            "infra", "/srv/infra");
  CHECK(compare(running, running).empty());

  SECTION("live fields") {
    StewardConfig next = running;
    next.reconcile.workers = 8;
    next.reconcile.dry_run = true;
    next.logging.level = LogLevel::kDebug;
    const auto changes = compare(running, next);
    CHECK(changes == std::vector<ConfigChange>{
                         {"reconcile.workers", "4", "8", true},
                         {"reconcile.dryRun", "false", "true", true},
                         {"logging.level", "info", "debug", true},
                     });
    CHECK_FALSE(needs_restart(changes));
    CHECK(changes[0].to_string() == "reconcile.workers: 4 -> 8 (live)");
  }
  SECTION("fields that need a restart") {
    StewardConfig next = running;
    next.cluster.qps = 20;
    next.cluster.context = "prod";
    next.cluster.circuit_breaker.open_for = 30s;
    next.reconcile.resync_period = 0s;
    next.reconcile.rate_limiter.max_delay = 5min;
    next.metrics.bind_address = "0";
    next.leader_election.enabled = true;
    next.logging.format = LogFormat::kText;
    const auto changes = compare(running, next);
    CHECK(changes == std::vector<ConfigChange>{
                         {"cluster.context", "\"\"", "\"prod\"", false},
                         {"cluster.qps", "50", "20", false},
                         {"cluster.circuitBreaker.openFor", "1s", "30s", false},
                         {"reconcile.resyncPeriod", "10m", "0s", false},
                         {"reconcile.rateLimiter.maxDelay", "16m40s", "5m", false},
                         {"metrics.bindAddress", "\":8080\"", "\"0\"", false},
                         {"leaderElection.enabled", "false", "true", false},
                         {"logging.format", "json", "text", false},
                     });
    CHECK(needs_restart(changes));
    CHECK(changes[1].to_string() == "cluster.qps: 50 -> 20 (restart needed)");
  }
  SECTION("sources are matched by name: added, removed and changed are live") {
    StewardConfig next = running;
    next.sources.erase(next.sources.begin());  // apps removed
    next.sources[0].prune = true;              // infra changed
    next.sources[0].path = "/srv/infra2";
    next = with_source(next, "web", "/srv/web");
    const auto changes = compare(running, next);
    REQUIRE(changes.size() == 4);
    CHECK(changes[0] == ConfigChange{"sources[apps]",
                                     "{name: apps, path: \"/srv/apps\", defaultNamespace: "
                                     "\"default\", prune: false, pruneFraction: 0.5, "
                                     "adopt: IfNoConflict, suspend: false, ignore: [], dependsOn: []}",
                                     "", true});
    CHECK(changes[1] == ConfigChange{"sources[infra].path", "\"/srv/infra\"", "\"/srv/infra2\"",
                                     true});
    CHECK(changes[2] == ConfigChange{"sources[infra].prune", "false", "true", true});
    CHECK(changes[3].field == "sources[web]");
    CHECK(changes[3].before.empty());
    CHECK(changes[3].live);
    CHECK(changes[3].to_string().starts_with("sources[web]: (none) -> {name: web, "));
    CHECK_FALSE(needs_restart(changes));
  }
  SECTION("reordering sources is no change") {
    StewardConfig next = running;
    std::swap(next.sources[0], next.sources[1]);
    CHECK(compare(running, next).empty());
  }
}

TEST_CASE("ignore rules are read with their targets") {
  const ConfigLoad load = parse(kHead +
                                "    ignore:\n"
                                "      - paths: [\"/spec/replicas\", \"/metadata/annotations/a~1b\"]\n"
                                "        target: {kind: Deployment, labelSelector: \"app=web\"}\n"
                                "      - managers: [kube-controller-manager]\n");
  REQUIRE(load.ok());
  const auto& rules = load.config->sources[0].ignore;
  REQUIRE(rules.size() == 2);
  CHECK(rules[0].paths == std::vector<std::string>{"/spec/replicas", "/metadata/annotations/a~1b"});
  CHECK(rules[0].target.kind == "Deployment");
  CHECK(rules[0].target.label_selector == "app=web");
  CHECK(rules[0].managers.empty());
  CHECK(rules[1].managers == std::vector<std::string>{"kube-controller-manager"});
  CHECK(rules[1].target == steward::reconcile::IgnoreTarget{});
  CHECK(parse(kHead).config->sources[0].ignore.empty());
}

TEST_CASE("a bad ignore rule is an error at its file and line") {
  CHECK(errors(kHead + "    ignore:\n      - paths: [\"spec/replicas\"]\n") ==
        Lines{"steward.yaml:7:17: sources[0].ignore[0].paths[0] \"spec/replicas\" is not a pointer "
              "steward can ignore: it must start with '/' (a JSON pointer, RFC 6901: "
              "\"/spec/replicas\")"});
  CHECK(errors(kHead + "    ignore:\n      - paths: [/spec/containers/0/image]\n") ==
        Lines{"steward.yaml:7:17: sources[0].ignore[0].paths[0] \"/spec/containers/0/image\" is "
              "not a pointer steward can ignore: it has the list index \"0\": pointers into lists "
              "are not supported (ignore the whole list instead)"});
  CHECK(errors(kHead + "    ignore:\n      - paths: []\n") ==
        Lines{"steward.yaml:7:16: sources[0].ignore[0].paths is empty: list at least one"});
  CHECK(errors(kHead + "    ignore:\n      - {}\n") ==
        Lines{"steward.yaml:7:9: sources[0].ignore[0] needs paths or managers"});
  CHECK(errors(kHead + "    ignore:\n      - paths: [/a]\n        managers: [x]\n") ==
        Lines{"steward.yaml:7:9: sources[0].ignore[0] has both paths and managers: write two "
              "rules"});
  CHECK(errors(kHead + "    ignore:\n      - managers: [steward]\n") ==
        Lines{"steward.yaml:7:20: sources[0].ignore[0].managers[0] \"steward\" is steward's own "
              "field manager, whose fields are steward's"});
  CHECK(errors(kHead + "    ignore:\n      - paths: [/a]\n        target: {knd: Deployment}\n") ==
        Lines{"steward.yaml:8:18: unknown field \"knd\" in sources[0].ignore[0].target (did you "
              "mean \"kind\"?)"});
  CHECK(errors(kHead +
               "    ignore:\n      - paths: [/a]\n        target: {labelSelector: \"env in (a)\"}\n") ==
        Lines{"steward.yaml:8:33: sources[0].ignore[0].target.labelSelector \"env in (a)\" is not "
              "an equality-based label selector (\"app=web,tier!=db,canary,!old\")"});
  CHECK(errors(kHead + "    ignore: {paths: [/a]}\n") ==
        Lines{"steward.yaml:6:13: sources[0].ignore must be a list of rules, not a mapping"});
}

TEST_CASE("dependsOn names other sources, and following them never comes back") {
  const std::string three = kHead +
                            "    dependsOn: [infra]\n"
                            "  - name: infra\n"
                            "    path: manifests/infra\n"
                            "  - name: crds\n"
                            "    path: manifests/crds\n";
  const ConfigLoad load = parse(three + "    dependsOn: []\n");
  REQUIRE(load.ok());
  CHECK(load.config->sources[0].depends_on == std::vector<std::string>{"infra"});
  CHECK(load.config->sources[1].depends_on.empty());
  CHECK(parse(kHead).config->sources[0].depends_on.empty());

  CHECK(errors(kHead + "    dependsOn: [db]\n") ==
        Lines{"steward.yaml:6:16: source \"apps\" depends on \"db\", which is not a source"});
  CHECK(errors(kHead + "    dependsOn: [apps]\n") ==
        Lines{"steward.yaml:6:16: source \"apps\" depends on itself"});
  CHECK(errors(kHead + "    dependsOn: [Infra]\n") ==
        Lines{"steward.yaml:6:16: source \"apps\" depends on \"Infra\", which is not a source"});
  // apps -> infra -> crds -> apps: reported once, at the dependsOn that closes it.
  CHECK(errors(kHead +
               "    dependsOn: [infra]\n"
               "  - name: infra\n"
               "    path: manifests/infra\n"
               "    dependsOn: [crds]\n"
               "  - name: crds\n"
               "    path: manifests/crds\n"
               "    dependsOn: [apps]\n") ==
        Lines{"steward.yaml:12:16: dependsOn makes a cycle: apps -> infra -> crds -> apps"});
  CHECK(errors(kHead + "    dependsOn: infra\n") ==
        Lines{"steward.yaml:6:16: sources[0].dependsOn must be a list, not the value \"infra\""});
}
