// The closed loop against steward-testapi over real sockets: manifests in a folder, a Controller,
// and a second client playing "someone else" who edits and deletes objects.
#include <catch2/catch.hpp>

#include <prometheus/registry.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>

#include "desired/applyset.hpp"
#include "desired/yaml_json.hpp"
#include "kube/discovery.hpp"
#include "kube/kubeconfig.hpp"
#include "reconcile/controller.hpp"
#include "reconcile/differ.hpp"
#include "reconcile/namespace_contents.hpp"
#include "support/async.hpp"
#include "support/files.hpp"
#include "support/metrics.hpp"
#include "support/stdout_capture.hpp"
#include "support/testapi_admin.hpp"
#include "support/testapi_process.hpp"

using namespace steward;
using namespace steward::test;
namespace fs = std::filesystem;

namespace {

const kube::ResourceType kConfigMaps{"", "v1", "configmaps", "ConfigMap", true};
const kube::ResourceType kDeployments{"apps", "v1", "deployments", "Deployment", true};
const kube::ResourceType kWidgets{"example.com", "v1", "widgets", "Widget", true};
const kube::ResourceType kEvents{"events.k8s.io", "v1", "events", "Event", true};
const kube::ResourceType kCrds{"apiextensions.k8s.io", "v1", "customresourcedefinitions",
                               "CustomResourceDefinition", false};


// A namespace per test: against a real kube-apiserver (STEWARD_REAL_APISERVER_KUBECONFIG) every
// test of the run shares one server.
std::string fresh_namespace() {
  static std::atomic<int> counter{0};
  return "loop-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

const kube::ResourceType kNamespaces{"", "v1", "namespaces", "Namespace", false};
const kube::ResourceType kSecrets{"", "v1", "secrets", "Secret", true};

struct LoopEnv {
  TestApiServer server;
  fs::path manifests = server.dir() / ("manifests-" + std::to_string(::getpid()));
  std::string ns = fresh_namespace();
  Loop loop;
  kube::Client client;     // steward's
  kube::Client other;      // someone else's
  kube::Discovery discovery;
  prometheus::Registry registry;
  queue::ItemExponentialOptions backoff{};  // the queue's per-key backoff for the next start()
  queue::BucketOptions bucket{};            // the queue's overall retry bucket, the same
  int workers = 4;                          // reconcile workers, the same
  reconcile::Adopt adopt = reconcile::Adopt::kIfNoConflict;  // the source's, for the next start()
  bool suspend = false;  // the source's, for the next start() and suspend()
  bool prune = false;    // what the last start() said, for suspend()
  double prune_fraction = 1.0;
  std::vector<reconcile::IgnoreRule> ignore;  // the source's ignore rules, for the next start()
  // The steward instance whose inventories (in the test's namespace) the next start() keeps;
  // none: no inventory, objects get steward's legacy marks only.
  std::optional<std::string> instance;
  // Between discovery attempts for a kind not served yet, for the next start().
  base::BackoffOptions unknown_kind_backoff = reconcile::ControllerOptions{}.unknown_kind_backoff;
  std::unique_ptr<reconcile::Controller> controller;

  explicit LoopEnv(kube::ClientOptions steward_client = {})
      : client(loop.io, rest_config(), steward_client),
        other(loop.io, rest_config()),
        discovery(client, {.min_refresh_interval = std::chrono::milliseconds(100)}) {
    fs::remove_all(manifests);
    fs::create_directories(manifests);
    const std::string body =
        R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")" + ns + R"("}})";
    if (!loop.sync(other.create(kNamespaces, "", json(body))).ok()) {
      throw std::runtime_error("cannot create namespace " + ns);
    }
  }
  ~LoopEnv() {
    if (controller) controller->stop();
    loop.halt();  // before the clients the loop's handlers use are destroyed
  }
  kube::RestConfig rest_config() const {
    kube::KubeconfigOptions options;
    options.explicit_path = server.kubeconfig();
    return kube::load_kubeconfig(options);
  }
  void start(bool prune = false, bool dry_run = false,
             std::chrono::seconds resync = std::chrono::seconds(600), double prune_fraction = 1.0) {
    reconcile::ControllerOptions options;
    this->prune = prune;
    this->prune_fraction = prune_fraction;
    options.sources.push_back(source());
    options.dry_run = dry_run;
    options.resync = resync;
    options.backoff = backoff;
    options.bucket = bucket;
    options.workers = workers;
    options.unknown_kind_backoff = unknown_kind_backoff;
    options.registry = &registry;
    if (instance) {
      options.inventory = reconcile::InventoryOptions{
          .instance = *instance, .ns = ns, .tooling = "steward/v0.0.0-test"};
    }
    controller = std::make_unique<reconcile::Controller>(loop.io, client, discovery, options);
    controller->start();
  }
  // The test's one source, as the next start() or a live configuration change gives it.
  reconcile::SourceOptions source() const {
    // The source is named after the namespace too: steward prunes what its sources' annotation
    // names, so two tests sharing a source name on one real server would prune each other's.
    return {.spec = {.name = ns, .path = manifests, .default_namespace = ns},
            .prune = prune,
            .prune_fraction = prune_fraction,
            .adopt = adopt,
            .suspend = suspend,
            .ignore = ignore};
  }
  // The configuration changes live: the source is suspended or resumed.
  void set_suspend(bool suspended) {
    suspend = suspended;
    controller->update_sources({source()});
  }
  bool converged() { return eventually([&] { return controller->status().in_sync(); }); }
  std::shared_ptr<kube::Object> get(const kube::ResourceType& type, const std::string& ns,
                                    const std::string& name) {
    auto reply = loop.sync(other.get(type, ns, name));
    return reply.ok() ? reply.object : nullptr;
  }
  std::string data(const std::string& name, const std::string& field) {
    auto object = get(kConfigMaps, ns, name);
    if (!object) return "<absent>";
    return std::string(kube::string_at(*object, {"data", field}));
  }
  // The Events in the test's namespace regarding object `name` with `reason` (all when empty).
  std::vector<std::shared_ptr<kube::Object>> events(const std::string& name = "",
                                                    const std::string& reason = "") {
    auto reply = loop.sync(other.list_all(kEvents, ns, {}));
    if (!reply.ok()) throw std::runtime_error("cannot list events: " + reply.error->to_string());
    std::vector<std::shared_ptr<kube::Object>> out;
    for (auto& event : reply.items) {
      if (!name.empty() && kube::string_at(*event, {"regarding", "name"}) != name) continue;
      if (!reason.empty() && kube::string_at(*event, {"reason"}) != reason) continue;
      out.push_back(event);
    }
    return out;
  }
  // Someone else sets a field steward owns; waits until steward has reverted it.
  void intrude_and_wait_for_revert() {
    REQUIRE(loop.sync(other.apply(kConfigMaps, ns,
        json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"},"data":{"color":"red"}})"),
        kube::ApplyOptions{.field_manager = "intruder", .force = true})).ok());
    REQUIRE(eventually([&] { return data("settings", "color") == "blue"; }));
    REQUIRE(converged());
  }
  double metric(const std::string& name, const std::map<std::string, std::string>& labels) {
    return metric_value(registry, name, labels).value_or(0);
  }
  // The inventory Secret of `instance`'s source (the test's one source), or null.
  std::shared_ptr<kube::Object> parent(const std::string& of_instance) {
    return get(kSecrets, ns, desired::applyset_parent_name(of_instance, ns));
  }
  // Someone else makes `instance`'s parent Secret first, with these metadata members (JSON).
  void make_parent(const std::string& of_instance, const std::string& metadata) {
    REQUIRE(loop.sync(other.create(kSecrets, ns, json(
        R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":")" +
        desired::applyset_parent_name(of_instance, ns) + R"(",)" + metadata + "}}"))).ok());
  }
  std::string applyset_id(const std::string& of_instance) const {
    return desired::applyset_id(desired::applyset_parent_name(of_instance, ns), ns);
  }
  // steward-testapi only: the faults to inject, and the write requests it has answered, in order.
  void faults(const std::string& body) { REQUIRE(loop.sync(post_faults(other, body)).ok()); }
  std::vector<TestApiWrite> writes(const std::string& path = "") {
    auto all = loop.sync(testapi_writes(other));
    if (!path.empty()) std::erase_if(all, [&](const TestApiWrite& w) { return w.path != path; });
    return all;
  }
};

// Occurrences an events.k8s.io/v1 Event stands for: series.count, or 1 without a series.
int occurrences(const kube::Object& event) {
  const auto series = event.FindMember("series");
  if (series == event.MemberEnd() || !series->value.IsObject()) return 1;
  const auto count = series->value.FindMember("count");
  return count != series->value.MemberEnd() && count->value.IsInt() ? count->value.GetInt() : 1;
}

const char* kConfigMapYaml = R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  color: blue
)";

// A namespaced CRD of `group`, version v1, any fields; `singular` + "s" is its plural.
std::string crd_yaml(const std::string& singular, const std::string& kind,
                     const std::string& group = "example.com") {
  return "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
         "metadata: {name: " + singular + "s." + group + "}\n"
         "spec:\n  group: " + group + "\n  scope: Namespaced\n"
         "  names: {plural: " + singular + "s, singular: " + singular + ", kind: " + kind +
         ", listKind: " + kind + "List}\n"
         "  versions:\n  - name: v1\n    served: true\n    storage: true\n"
         "    schema:\n      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}\n";
}

const char* kKeepYaml = R"(apiVersion: v1
kind: ConfigMap
metadata: {name: keep}
data: {a: "1"}
)";

// A CRD for kind Widget of `group` and one Widget, w1, each in a file of its own.
void write_widget_manifests(const fs::path& manifests, const std::string& group = "example.com") {
  write_file(manifests / "crd.yaml", crd_yaml("widget", "Widget", group));
  write_file(manifests / "widget.yaml", "apiVersion: " + group + "/v1\nkind: Widget\n"
                                        "metadata: {name: w1}\nspec: {size: 3}\n");
}

// Deletes CRD `name` when the test ends, however it ends, after stopping the controller: the real
// server is shared by every test, and a kind a test expects to be new must not outlive it.
struct RemoveCrdAtEnd {
  LoopEnv& env;
  std::string name;
  ~RemoveCrdAtEnd() {
    if (env.controller) env.controller->stop();
    env.loop.sync(env.other.remove(kCrds, "", name));
  }
};

}  // namespace

TEST_CASE("a missing object is created, reverted when changed, re-created when deleted") {
  LoopEnv env;
  write_file(env.manifests / "settings.yaml", kConfigMapYaml);
  env.start();
  REQUIRE(env.converged());
  REQUIRE(env.data("settings", "color") == "blue");
  auto created = env.get(kConfigMaps, env.ns, "settings");
  CHECK(kube::string_at(*created, {"metadata", "labels", "app.kubernetes.io/managed-by"}) ==
        "steward");
  CHECK(kube::string_at(*created, {"metadata", "annotations", "steward.dev/source"}) == env.ns);
  CHECK(env.controller->stats().applies == 1);

  // Someone else changes a field steward sets: reverted with one write.
  REQUIRE(env.loop.sync(env.other.apply(kConfigMaps, env.ns,
      json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"},"data":{"color":"red"}})"),
      kube::ApplyOptions{.field_manager = "intruder", .force = true})).ok());
  REQUIRE(eventually([&] { return env.data("settings", "color") == "blue"; }));
  REQUIRE(env.converged());
  CHECK(env.controller->stats().applies == 2);

  // Someone deletes it: re-created.
  REQUIRE(env.loop.sync(env.other.remove(kConfigMaps, env.ns, "settings")).ok());
  REQUIRE(eventually([&] { return env.data("settings", "color") == "blue"; }));
  REQUIRE(env.converged());
  CHECK(env.controller->stats().applies == 3);
}

TEST_CASE("a field steward does not set is left alone, and costs no write") {
  LoopEnv env;
  write_file(env.manifests / "settings.yaml", kConfigMapYaml);
  env.start();
  REQUIRE(env.converged());
  const auto in_sync_before = env.controller->stats().in_sync;
  REQUIRE(env.loop.sync(env.other.apply(kConfigMaps, env.ns,
      json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings","labels":{"team":"blue"}},"data":{"extra":"x"}})"),
      kube::ApplyOptions{.field_manager = "other-tool", .force = false})).ok());
  // The update reaches steward (its informer sees it) and is judged in sync.
  REQUIRE(eventually([&] { return env.controller->stats().in_sync > in_sync_before; }));
  REQUIRE(env.converged());
  auto live = env.get(kConfigMaps, env.ns, "settings");
  CHECK(kube::string_at(*live, {"metadata", "labels", "team"}) == "blue");
  CHECK(kube::string_at(*live, {"data", "extra"}) == "x");
  CHECK(env.controller->stats().applies == 1);
}

// A Deployment whose cpu request the server stores as 500m.
constexpr const char* kNormalisedDeploymentYaml = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        resources: {requests: {cpu: "0.5", memory: 64Mi}}
)";

TEST_CASE("a value the server normalises is applied once per desired change, not on every event") {
  LoopEnv env;
  write_file(env.manifests / "web.yaml", kNormalisedDeploymentYaml);
  env.start(false, false, std::chrono::seconds(1));  // resync every second: many chances to loop
  REQUIRE(env.converged());
  auto live = env.get(kDeployments, env.ns, "web");
  REQUIRE(live);
  REQUIRE(kube::to_json(*live).find(R"("cpu":"500m")") != std::string::npos);
  const auto in_sync_before = env.controller->stats().in_sync;
  // Three resyncs re-deliver the object; each is judged against the memo, not the manifest.
  REQUIRE(eventually([&] { return env.controller->stats().in_sync >= in_sync_before + 3; }));
  CHECK(env.controller->stats().applies == 1);

  // A neighbouring file changes: the source reloads whole, the Deployment's memo survives.
  write_file(env.manifests / "other.yaml", kConfigMapYaml);
  REQUIRE(env.controller->reload(env.ns).accepted);
  REQUIRE(env.converged());
  const auto in_sync_after_reload = env.controller->stats().in_sync;
  REQUIRE(eventually([&] { return env.controller->stats().in_sync >= in_sync_after_reload + 4; }));
  CHECK(env.controller->stats().applies == 2);  // the Deployment once, the new ConfigMap once
}

TEST_CASE("an object removed from the manifests is pruned only when its source prunes") {
  for (const bool prune : {false, true}) {
    DYNAMIC_SECTION("prune " << prune) {
      LoopEnv env;
      write_file(env.manifests / "settings.yaml", kConfigMapYaml);
      write_file(env.manifests / "keep.yaml", kKeepYaml);
      env.start(prune);
      REQUIRE(env.converged());
      // Not steward's: same kind, never touched.
      REQUIRE(env.loop.sync(env.other.create(kConfigMaps, env.ns,
          json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"foreign"}})"))).ok());
      fs::remove(env.manifests / "settings.yaml");
      REQUIRE(env.controller->reload(env.ns).accepted);
      if (prune) {
        REQUIRE(eventually([&] { return env.data("settings", "color") == "<absent>"; }));
      }
      // Converged first: the server answers the DELETE before the reconcile counts its prune.
      REQUIRE(env.converged());
      CHECK(env.controller->stats().prunes == (prune ? 1U : 0U));
      CHECK(env.data("settings", "color") == (prune ? "<absent>" : "blue"));
      CHECK(env.data("keep", "a") == "1");
      CHECK(env.get(kConfigMaps, env.ns, "foreign") != nullptr);
    }
  }
}

TEST_CASE("a broken edit changes nothing in the cluster and the previous state holds") {
  LoopEnv env;
  write_file(env.manifests / "settings.yaml", kConfigMapYaml);
  env.start(true);
  REQUIRE(env.converged());
  write_file(env.manifests / "settings.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n");
  const auto update = env.controller->reload(env.ns);
  REQUIRE_FALSE(update.accepted);
  REQUIRE_FALSE(update.errors.empty());
  CHECK(update.errors[0].to_string().find("settings.yaml:") != std::string::npos);
  // Drift is still corrected against the last good state, and nothing was pruned.
  REQUIRE(env.loop.sync(env.other.remove(kConfigMaps, env.ns, "settings")).ok());
  REQUIRE(eventually([&] { return env.data("settings", "color") == "blue"; }));
  REQUIRE(env.converged());
  CHECK(env.controller->stats().prunes == 0);
}

TEST_CASE("dry run makes no writes") {
  LoopEnv env;
  write_file(env.manifests / "settings.yaml", kConfigMapYaml);
  env.start(true, true);
  REQUIRE(env.converged());
  CHECK(env.data("settings", "color") == "<absent>");
  CHECK(env.controller->stats().applies == 0);
  CHECK(env.events().empty());  // an Event is a write too
}

TEST_CASE("a CRD and its objects in one source converge") {
  LoopEnv env;
  write_widget_manifests(env.manifests);
  env.start();
  REQUIRE(eventually([&] { return env.get(kWidgets, env.ns, "w1") != nullptr; }));
  REQUIRE(env.converged());
  auto widget = env.get(kWidgets, env.ns, "w1");
  CHECK(kube::to_json(*widget).find(R"("size":3)") != std::string::npos);
}

TEST_CASE("keys that waited for their kind's cache are reconciled when it syncs, not after a backoff") {
  LoopEnv env;
  // Widget of a group of the test's own is not served until steward has created its CRD (on a
  // real server shared by the run, example.com's may exist already), so w1 always waits for its
  // cache first. With every retry a minute away, only the sync can bring it back in time.
  const std::string group = env.ns + ".example.com";
  const kube::ResourceType widgets{group, "v1", "widgets", "Widget", true};
  write_widget_manifests(env.manifests, group);
  env.backoff = {.base = std::chrono::seconds(60), .cap = std::chrono::seconds(60)};
  env.start();
  const RemoveCrdAtEnd remove_crd{env, "widgets." + group};
  CHECK(eventually([&] { return env.get(widgets, env.ns, "w1") != nullptr; },
                   std::chrono::seconds(30)));
  // It did wait: while not served its resource label is the kind's, once served discovery's.
  CHECK(env.metric("steward_reconcile_total", {{"resource", "Widget." + group},
                                               {"result", "waiting"}}) +
            env.metric("steward_reconcile_total", {{"resource", "widgets." + group},
                                                   {"result", "waiting"}}) >=
        1);
}

TEST_CASE("stop lets running reconciles finish and drops the queued keys") {
  LoopEnv env;
  // 200 creates at the client's 50 requests a second (an apply and an Event each) take 8 s.
  std::string many;
  for (int i = 0; i < 200; ++i) {
    many += "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: q" + std::to_string(i) +
            "}\ndata: {a: \"1\"}\n";
  }
  write_file(env.manifests / "many.yaml", many);
  env.start();
  REQUIRE(eventually([&] { return env.controller->stats().applies >= 20; }));
  const auto before = env.controller->stats().applies;
  const auto started = std::chrono::steady_clock::now();
  env.controller->stop();
  const auto took = std::chrono::steady_clock::now() - started;
  const auto after = env.controller->stats().applies;
  INFO("applies before stop " << before << ", after " << after);
  CHECK(after - before <= 4);  // at most one per worker: the reconciles that were running
  CHECK(after < 200);
  CHECK(took < std::chrono::seconds(6));  // the running applies, then the Events' drain (5 s)
}

TEST_CASE("a kind nothing serves fails permanently at its file and line while the rest converges") {
  LoopEnv env;
  write_file(env.manifests / "settings.yaml", kConfigMapYaml);
  // A group no test creates a CRD for, so that a shared real server does not serve it either.
  write_file(env.manifests / "typo.yaml",
             "# a typo in apiVersion\napiVersion: nowhere.example.com/v1\nkind: Widget\n"
             "metadata: {name: w}\n");
  // An object of the source (applied by field manager steward, as steward applies) that its
  // manifests no longer hold: the prune guard must not wait for a cache of the kind not served.
  REQUIRE(env.loop.sync(env.other.apply(kConfigMaps, env.ns,
      json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"orphan",)"
           R"("labels":{"app.kubernetes.io/managed-by":"steward"},)"
           R"("annotations":{"steward.dev/source":")" + env.ns + R"("}}})"),
      kube::ApplyOptions{.field_manager = "steward", .force = true})).ok());
  REQUIRE(env.get(kConfigMaps, env.ns, "orphan") != nullptr);
  env.start(true);
  // Stuck, not waiting: `steward run --once` ends on this instead of its timeout.
  REQUIRE(eventually([&] { return env.controller->status().stuck(); }));
  const auto status = env.controller->status();
  CHECK(env.data("settings", "color") == "blue");
  CHECK(env.get(kConfigMaps, env.ns, "orphan") == nullptr);
  CHECK_FALSE(status.informers_synced);  // readiness still says the kind is not served
  REQUIRE(status.failures.size() == 1);
  CHECK(status.failures[0] ==
        "nowhere.example.com/Widget w: permanent_error: " +  // scope unknown: no namespace
            (env.manifests / "typo.yaml").string() +
            ":2:1: no matches for kind \"Widget\" in version \"nowhere.example.com/v1\": the API "
            "server does not serve it and no CustomResourceDefinition in the desired state "
            "defines it (install the CRD, or correct apiVersion and kind)");
  CHECK(env.metric("steward_reconcile_errors_total",
                   {{"resource", "Widget.nowhere.example.com"}, {"reason", "NotFound"}}) == 1);
}

TEST_CASE("a kind nothing serves is reconciled as soon as someone else installs its CRD") {
  LoopEnv env;
  // A group of this test's namespace: a shared real server sees its CRD only once.
  const std::string group = env.ns + ".example.com";
  const kube::ResourceType widgets{group, "v1", "widgets", "Widget", true};
  write_file(env.manifests / "widget.yaml", "apiVersion: " + group +
                                                "/v1\nkind: Widget\nmetadata: {name: w1}\n"
                                                "spec: {size: 3}\n");
  // The kind is found within half a second of being served; the permanent error's own retry is
  // 1000 s away (the queue's default cap), so only the kind's cache syncing can bring w1 back.
  env.unknown_kind_backoff = {.initial = std::chrono::milliseconds(50),
                              .max = std::chrono::milliseconds(500),
                              .factor = 2,
                              .jitter = 0,
                              .reset_after = {}};
  env.start();
  REQUIRE(eventually([&] { return env.controller->status().stuck(); }));

  const auto crd = desired::yaml_to_json(crd_yaml("widget", "Widget", group), "crd.yaml");
  REQUIRE(crd.documents.size() == 1);
  REQUIRE(env.loop.sync(env.other.create(kCrds, "", *crd.documents[0].json)).ok());
  const RemoveCrdAtEnd remove_crd{env, "widgets." + group};

  REQUIRE(eventually([&] { return env.get(widgets, env.ns, "w1") != nullptr; }));
  CHECK(env.converged());
}

TEST_CASE("a prune over the source's fraction is refused, across reloads and restarts") {
  LoopEnv env;
  const auto config_map = [](const std::string& name) {
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + "}\ndata: {a: \"1\"}\n";
  };
  for (const std::string name : {"a", "b", "c", "d"}) {
    write_file(env.manifests / (name + ".yaml"), config_map(name));
  }
  env.start(true, false, std::chrono::seconds(600), 0.5);
  REQUIRE(env.converged());
  const auto all_present = [&] {
    for (const std::string name : {"a", "b", "c", "d"}) {
      if (env.data(name, "a") != "1") return false;
    }
    return true;
  };
  REQUIRE(all_present());

  // Three of four gone at once (a truncated directory): refused, reported, nothing deleted.
  for (const std::string name : {"b", "c", "d"}) fs::remove(env.manifests / (name + ".yaml"));
  REQUIRE(env.controller->reload(env.ns).accepted);
  const auto refused = [&] {
    const auto status = env.controller->status();
    return status.prune_refused == std::vector<std::string>{env.ns} && status.stuck();
  };
  REQUIRE(eventually(refused));
  CHECK(env.controller->stats().prunes == 0);
  CHECK_FALSE(env.controller->status().in_sync());
  // The same truncated directory loaded again is the same verdict (SIGHUP, inotify).
  REQUIRE(env.controller->reload(env.ns).accepted);
  REQUIRE(eventually(refused));
  CHECK(env.controller->stats().prunes == 0);
  CHECK(all_present());

  // A restart on the truncated directory judges against the cluster, so it refuses too.
  env.controller->stop();
  env.start(true, false, std::chrono::seconds(600), 0.5);
  REQUIRE(eventually(refused));
  CHECK(env.controller->stats().prunes == 0);
  CHECK(all_present());

  // One of four gone is within the fraction: pruned.
  for (const std::string name : {"b", "c"}) write_file(env.manifests / (name + ".yaml"), config_map(name));
  REQUIRE(env.controller->reload(env.ns).accepted);
  REQUIRE(env.converged());
  CHECK(env.controller->status().prune_refused.empty());
  CHECK(env.data("d", "a") == "<absent>");
  CHECK(env.controller->stats().prunes == 1);

  // Raising the fraction is how an operator forces a large prune.
  for (const std::string name : {"b", "c"}) fs::remove(env.manifests / (name + ".yaml"));
  env.controller->stop();
  env.start(true, false, std::chrono::seconds(600), 1.0);
  REQUIRE(env.converged());
  CHECK(env.data("a", "a") == "1");
  CHECK(env.data("b", "a") == "<absent>");
  CHECK(env.data("c", "a") == "<absent>");
}

TEST_CASE("objects held back for their Namespace are not held again by the overall retry bucket",
          "[testapi]") {
  // 300 ConfigMaps in a Namespace of the same desired state: 16 workers take many of them before
  // the Namespace exists, and each waits. Waits retry on their own backoff; through the overall
  // bucket (here one retry every 10 s) the last would come after many minutes.
  LoopEnv env;
  env.workers = 16;
  env.bucket = {.qps = 0.1, .burst = 1};
  const std::string ns = env.ns + "-held";
  std::string yaml = "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + ns + "}\n";
  for (int i = 0; i < 300; ++i) {
    yaml += "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-" + std::to_string(i) +
            ", namespace: " + ns + "}\ndata: {a: \"1\"}\n";
  }
  write_file(env.manifests / "objects.yaml", yaml);
  env.start();
  CHECK(env.converged());
  CHECK(env.controller->stats().applies == 301);
  // The Namespace is the test's to remove (a real server has no namespace controller to empty it).
  (void)env.loop.sync(env.other.remove(kNamespaces, "", ns, {}));
}

TEST_CASE("a drift correction is one Event on the object, and repeats count up that Event") {
  LoopEnv env;
  write_file(env.manifests / "settings.yaml", kConfigMapYaml);
  env.start();
  REQUIRE(env.converged());
  REQUIRE(eventually([&] { return env.events("settings", "Created").size() == 1; }));

  env.intrude_and_wait_for_revert();
  REQUIRE(eventually([&] { return env.events("settings", "DriftCorrected").size() == 1; }));
  const auto live = env.get(kConfigMaps, env.ns, "settings");
  REQUIRE(live);
  {
    const auto event = env.events("settings", "DriftCorrected")[0];
    CHECK(kube::string_at(*event, {"type"}) == "Normal");
    CHECK(kube::string_at(*event, {"action"}) == "Apply");
    CHECK(kube::string_at(*event, {"reportingController"}) == "steward");
    CHECK_FALSE(kube::string_at(*event, {"reportingInstance"}).empty());
    CHECK(kube::string_at(*event, {"note"}).find("data.color") != std::string_view::npos);
    CHECK(kube::string_at(*event, {"regarding", "apiVersion"}) == "v1");
    CHECK(kube::string_at(*event, {"regarding", "kind"}) == "ConfigMap");
    CHECK(kube::string_at(*event, {"regarding", "namespace"}) == env.ns);
    CHECK(kube::string_at(*event, {"regarding", "uid"}) ==
          kube::string_at(*live, {"metadata", "uid"}));
    CHECK(occurrences(*event) == 1);
  }

  // The same drift again, twice: the same Event counts up.
  for (const int expected : {2, 3}) {
    env.intrude_and_wait_for_revert();
    REQUIRE(eventually([&] {
      const auto events = env.events("settings", "DriftCorrected");
      return events.size() == 1 && occurrences(*events[0]) == expected;
    }));
  }
  CHECK(env.events("settings", "Created").size() == 1);
}

TEST_CASE("the loop's metrics count creates, corrections, prunes and loads by resource") {
  LoopEnv env;
  write_file(env.manifests / "settings.yaml", kConfigMapYaml);
  write_file(env.manifests / "keep.yaml", kKeepYaml);
  env.start(true);
  REQUIRE(env.converged());
  const std::map<std::string, std::string> configmaps{{"resource", "configmaps"}};
  CHECK(env.metric("steward_reconcile_total", {{"resource", "configmaps"}, {"result", "created"}}) == 2);
  CHECK(env.metric("steward_desired_reload_total", {{"source", env.ns}, {"result", "success"}}) == 1);
  // Counted from the informers' caches, which see a create when its watch event arrives: after
  // the reconcile that made it, so converged() does not imply it (a slow build showed 1 here).
  CHECK(eventually([&] {
    env.controller->update_metrics();
    return env.metric("steward_managed_objects", configmaps) == 2;
  }));

  // A correction.
  env.intrude_and_wait_for_revert();
  CHECK(env.metric("steward_drift_detected_total", configmaps) == 1);
  CHECK(env.metric("steward_drift_corrected_total", configmaps) == 1);
  CHECK(env.metric("steward_reconcile_total", {{"resource", "configmaps"}, {"result", "corrected"}}) == 1);

  // A prune.
  fs::remove(env.manifests / "settings.yaml");
  REQUIRE(env.controller->reload(env.ns).accepted);
  REQUIRE(eventually([&] { return env.data("settings", "color") == "<absent>"; }));
  REQUIRE(env.converged());
  CHECK(env.metric("steward_pruned_total", configmaps) == 1);
  CHECK(env.metric("steward_reconcile_total", {{"resource", "configmaps"}, {"result", "pruned"}}) == 1);
  REQUIRE(eventually([&] {
    env.controller->update_metrics();
    return env.metric("steward_managed_objects", configmaps) == 1;
  }));

  // A failed load.
  write_file(env.manifests / "keep.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n");
  REQUIRE_FALSE(env.controller->reload(env.ns).accepted);
  CHECK(env.metric("steward_desired_reload_total", {{"source", env.ns}, {"result", "failure"}}) == 1);
  CHECK(env.metric("steward_desired_reload_total", {{"source", env.ns}, {"result", "success"}}) == 2);

  // Every reconcile is timed (read in this order: a late reconcile only adds to the second).
  const double reconciles = env.metric("steward_reconcile_total", configmaps);
  CHECK(env.metric("steward_reconcile_duration_seconds", configmaps) >= reconciles);
  CHECK(env.metric("steward_reconcile_errors_total", {}) == 0);
}

TEST_CASE("a failed apply is counted by resource and Status reason") {
  LoopEnv env;
  // Its namespace does not exist: 404 NotFound, retried with backoff.
  write_file(env.manifests / "lost.yaml", R"(apiVersion: v1
kind: ConfigMap
metadata: {name: lost, namespace: absent-)" + env.ns + R"(}
data: {a: "1"}
)");
  env.start();
  REQUIRE(eventually([&] {
    return env.metric("steward_reconcile_errors_total",
                      {{"resource", "configmaps"}, {"reason", "NotFound"}}) >= 1;
  }));
  CHECK(env.metric("steward_reconcile_total",
                   {{"resource", "configmaps"}, {"result", "transient_error"}}) >= 1);
}

TEST_CASE("new objects are created Namespaces and CRDs first, then ServiceAccounts and RBAC, then the rest",
          "[testapi]") {
  LoopEnv env;
  const std::string zz = env.ns + "-zz";
  // Files load in name order, and here each object comes before what it needs: applied in file
  // order, each of the first four would be refused (no such kind, no such namespace).
  write_file(env.manifests / "0-gadget.yaml",
             "apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g1, namespace: " + zz +
                 "}\nspec: {size: 1}\n");
  write_file(env.manifests / "1-configmap.yaml",
             "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: " + zz +
                 "}\ndata: {a: \"1\"}\n");
  write_file(env.manifests / "2-rolebinding.yaml",
             "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: runner, "
             "namespace: " + zz + "}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, "
             "name: view}\nsubjects: [{kind: ServiceAccount, name: runner, namespace: " + zz + "}]\n");
  write_file(env.manifests / "3-serviceaccount.yaml",
             "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: runner, namespace: " + zz + "}\n");
  write_file(env.manifests / "4-namespace.yaml",
             "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + zz + "}\n");
  write_file(env.manifests / "5-crd.yaml", crd_yaml("gadget", "Gadget"));
  env.start();  // four workers: the queue's order alone would not hold
  REQUIRE(env.converged());

  const std::map<std::string, char> tier_of{
      {"/api/v1/namespaces/" + zz, '0'},
      {"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.example.com", '0'},
      {"/api/v1/namespaces/" + zz + "/serviceaccounts/runner", '1'},
      {"/apis/rbac.authorization.k8s.io/v1/namespaces/" + zz + "/rolebindings/runner", '1'},
      {"/api/v1/namespaces/" + zz + "/configmaps/app", '2'},
      {"/apis/example.com/v1/namespaces/" + zz + "/gadgets/g1", '2'}};
  // The server's order of the writes that created them: one tier after the other, and none sent
  // too early (so none refused).
  std::vector<std::string> created;
  std::string tiers;
  for (const auto& write : env.writes()) {
    const auto tier = tier_of.find(write.path);
    if (tier == tier_of.end()) continue;
    INFO(write.method << " " << write.path << " answered " << write.code);
    CHECK(write.ok());
    if (std::find(created.begin(), created.end(), write.path) != created.end()) continue;
    created.push_back(write.path);
    tiers += tier->second;
  }
  INFO("tiers in the order created: " << tiers);
  CHECK(tiers.size() == tier_of.size());
  CHECK(std::is_sorted(tiers.begin(), tiers.end()));
  CHECK(env.metric("steward_reconcile_errors_total", {}) == 0);
}

TEST_CASE("dry run reports the drift of an existing object, with its key, and writes nothing") {
  LoopEnv env;
  write_file(env.manifests / "settings.yaml", kConfigMapYaml);
  env.start();
  REQUIRE(env.converged());
  env.controller->stop();
  // Drift while no steward runs.
  REQUIRE(env.loop.sync(env.other.apply(kConfigMaps, env.ns,
      json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"},"data":{"color":"red"}})"),
      kube::ApplyOptions{.field_manager = "intruder", .force = true})).ok());
  const auto drifted = env.get(kConfigMaps, env.ns, "settings");
  REQUIRE(drifted);
  const std::string version(kube::string_at(*drifted, {"metadata", "resourceVersion"}));
  const std::size_t writes_before = env.server.real() ? 0 : env.writes().size();
  const std::map<std::string, std::string> configmaps{{"resource", "configmaps"}};
  const double detected_before = env.metric("steward_drift_detected_total", configmaps);

  StdoutCapture log;
  env.start(false, true);
  // Each reconcile that finds the drift reports it (the load and the cache's first list may both
  // queue the key): nothing corrects it, so it is there every time.
  REQUIRE(eventually([&] {
    return env.metric("steward_drift_detected_total", configmaps) >= detected_before + 1;
  }));
  REQUIRE(env.converged());
  // Reported with the key and the drifted field...
  CHECK(log.lines_with({R"("msg":"corrected","resource":"configmaps","namespace":")" + env.ns +
                            R"(","name":"settings")",
                        "data.color", R"("dryRun":"true")"}) >= 1);
  CHECK(log.lines_with({R"("msg":"dry run: event not written")", R"("reason":"DriftDetected")"}) >= 1);
  CHECK(env.metric("steward_drift_corrected_total", configmaps) == 0);
  // ...and nothing written: the object is as it was, no Event, and (steward-testapi lists every
  // write request) nothing but the dry run.
  const auto after = env.get(kConfigMaps, env.ns, "settings");
  REQUIRE(after);
  CHECK(kube::string_at(*after, {"metadata", "resourceVersion"}) == version);
  CHECK(kube::string_at(*after, {"data", "color"}) == "red");
  CHECK(env.controller->stats().applies == 0);
  CHECK(env.events("settings", "DriftCorrected").empty());
  if (!env.server.real()) {
    const auto writes = env.writes();
    REQUIRE(writes.size() > writes_before);
    for (std::size_t i = writes_before; i < writes.size(); ++i) {
      INFO(writes[i].method << " " << writes[i].path);
      CHECK(writes[i].dry_run);
    }
  }
}

TEST_CASE("dry run: what needs a Namespace or CRD it only plans is reported as created, not sent, "
          "and the loop is in sync at once") {
  LoopEnv env;
  // A Namespace and a CRD group of the test's own, neither in the cluster (the real server is
  // shared by the run), and an object in each; settings goes to the test's existing namespace.
  const std::string planned_ns = env.ns + "-new";
  const std::string group = env.ns + ".example.com";
  write_file(env.manifests / "ns.yaml",
             "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + planned_ns + "}\n");
  write_file(env.manifests / "inside.yaml",
             "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: inside, namespace: " + planned_ns +
                 "}\ndata: {color: blue}\n");
  write_file(env.manifests / "crd.yaml", crd_yaml("widget", "Widget", group));
  write_file(env.manifests / "widget.yaml", "apiVersion: " + group + "/v1\nkind: Widget\n"
                                            "metadata: {name: w1, namespace: " + planned_ns +
                                            "}\nspec: {size: 3}\n");
  write_file(env.manifests / "settings.yaml", kConfigMapYaml);
  const std::size_t writes_before = env.server.real() ? 0 : env.writes().size();

  StdoutCapture log;
  const auto started = std::chrono::steady_clock::now();
  env.start(false, true);
  // Before, the 404s of inside and the unserved kind of w1 kept it failing until --once's timeout.
  REQUIRE(eventually([&] { return env.controller->status().in_sync(); },
                     std::chrono::seconds(10)));
  INFO("in sync after " << std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                                          started).count() << " s");
  CHECK(env.controller->status().failing == 0);

  // Reported as creates, each naming what it waits for...
  CHECK(log.lines_with({R"("msg":"created","resource":"configmaps","namespace":")" + planned_ns +
                            R"(","name":"inside")",
                        "would be created: its Namespace " + planned_ns +
                            " is created in this run (dry run: not sent)",
                        R"("dryRun":"true")"}) >= 1);
  CHECK(log.lines_with({R"("msg":"created","resource":"Widget.)" + group + R"(","namespace":")" +
                            planned_ns + R"(","name":"w1")",
                        "its CustomResourceDefinition widgets." + group + " is applied in this run",
                        R"("dryRun":"true")"}) >= 1);
  // ...what they wait for, and settings in a namespace that exists, as ordinary dry-run creates.
  CHECK(log.lines_with({R"("msg":"created","resource":"namespaces","namespace":"","name":")" +
                            planned_ns + R"(")",
                        R"("detail":"dry run")"}) >= 1);
  CHECK(log.lines_with({R"("msg":"audit","verb":"apply","action":"create","resource":"configmaps","namespace":")" +
                            env.ns + R"(","name":"settings","dryRun":"true")"}) >= 1);
  CHECK(env.metric("steward_reconcile_errors_total", {}) == 0);

  // Nothing written, and the planned objects not even sent as a dry run.
  CHECK(env.get(kNamespaces, "", planned_ns) == nullptr);
  CHECK(env.get(kCrds, "", "widgets." + group) == nullptr);
  CHECK(env.data("settings", "color") == "<absent>");
  CHECK(env.controller->stats().applies == 0);
  CHECK(log.lines_with({R"("msg":"audit")", R"("name":"inside")"}) == 0);
  CHECK(log.lines_with({R"("msg":"audit")", R"("name":"w1")"}) == 0);
  if (!env.server.real()) {
    const auto writes = env.writes();
    for (std::size_t i = writes_before; i < writes.size(); ++i) {
      INFO(writes[i].method << " " << writes[i].path);
      CHECK(writes[i].dry_run);
      CHECK(writes[i].path.find("/namespaces/" + planned_ns + "/") == std::string::npos);
    }
  }
}

TEST_CASE("a permanent error is reported and retried only at the slowest backoff, while the rest converges",
          "[testapi]") {
  LoopEnv env;
  // 403 on every write of one object: permissions, which no retry soon will change.
  const std::string denied = "/api/v1/namespaces/" + env.ns + "/configmaps/denied";
  env.faults(R"({"failRequests":[{"method":"PATCH","path":")" + denied + R"(","code":403}]})");
  write_file(env.manifests / "denied.yaml",
             "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: denied}\ndata: {a: \"1\"}\n");
  write_file(env.manifests / "settings.yaml", kConfigMapYaml);
  write_file(env.manifests / "keep.yaml", kKeepYaml);
  // The slowest backoff (1000 s by default) short enough to see it twice. Transient errors would
  // come back after 5 ms, 10 ms, 20 ms...
  env.backoff.cap = std::chrono::seconds(1);
  StdoutCapture log;
  env.start();
  REQUIRE(eventually([&] {
    const auto status = env.controller->status();
    return status.stuck() && status.failing == 1;
  }));
  CHECK(env.data("settings", "color") == "blue");
  CHECK(env.data("keep", "a") == "1");

  // Reported: the metric by Status reason, a Warning Event on the object, a log line, the status.
  CHECK(env.metric("steward_reconcile_errors_total",
                   {{"resource", "configmaps"}, {"reason", "Forbidden"}}) >= 1);
  REQUIRE(eventually([&] { return !env.events("denied", "ApplyFailed").empty(); }));
  const auto event = env.events("denied", "ApplyFailed")[0];
  CHECK(kube::string_at(*event, {"type"}) == "Warning");
  CHECK(kube::string_at(*event, {"note"}).find("403") != std::string_view::npos);
  CHECK(log.lines_with({R"("msg":"reconcile failed")",
                        R"("namespace":")" + env.ns + R"(","name":"denied")", "403"}) >= 1);
  const auto status = env.controller->status();
  REQUIRE(status.failures.size() == 1);
  CHECK(status.failures[0].find("denied: permanent_error") != std::string::npos);

  // The rest of the source keeps converging meanwhile: a drift is corrected, a new object created.
  REQUIRE(env.loop.sync(env.other.apply(kConfigMaps, env.ns,
      json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings"},"data":{"color":"red"}})"),
      kube::ApplyOptions{.field_manager = "intruder", .force = true})).ok());
  REQUIRE(eventually([&] { return env.data("settings", "color") == "blue"; }));
  write_file(env.manifests / "later.yaml",
             "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: later}\ndata: {a: \"2\"}\n");
  REQUIRE(env.controller->reload(env.ns).accepted);
  REQUIRE(eventually([&] { return env.data("later", "a") == "2"; }));

  // From the server's side: tried again, but never sooner than the slowest backoff after the last
  // attempt (the server sees an attempt before steward learns it failed and schedules the next).
  REQUIRE(eventually([&] { return env.writes(denied).size() >= 3; }));
  const auto attempts = env.writes(denied);
  for (std::size_t i = 1; i < attempts.size(); ++i) {
    INFO("attempt " << i << " at " << attempts[i].at_ms << " ms, the one before at "
                    << attempts[i - 1].at_ms << " ms");
    CHECK(attempts[i].at_ms - attempts[i - 1].at_ms >= 1000);
    CHECK(attempts[i].code == 403);
  }

  // The permission granted: the next slow retry succeeds.
  env.faults(R"({"reset":true})");
  REQUIRE(env.converged());
  CHECK(env.data("denied", "a") == "1");
}

TEST_CASE("a transient error is retried with the queue's short backoff until it succeeds", "[testapi]") {
  // No retries in the client, whose own would hide the errors from the loop.
  LoopEnv env(kube::ClientOptions{.retry = {.max_attempts = 1}});
  const std::string settings = "/api/v1/namespaces/" + env.ns + "/configmaps/settings";
  env.faults(R"({"failRequests":[{"method":"PATCH","path":")" + settings +
             R"(","code":429,"count":1},{"method":"PATCH","path":")" + settings +
             R"(","code":500,"count":2}]})");
  write_file(env.manifests / "settings.yaml", kConfigMapYaml);
  env.start();  // the default backoff: a permanent error would not be retried for 1000 s
  REQUIRE(env.converged());
  CHECK(env.data("settings", "color") == "blue");
  std::vector<int> codes;
  for (const auto& write : env.writes(settings)) codes.push_back(write.code);
  CHECK(codes == std::vector<int>{429, 500, 500, 201});
  CHECK(env.metric("steward_reconcile_errors_total",
                   {{"resource", "configmaps"}, {"reason", "TooManyRequests"}}) == 1);
  CHECK(env.metric("steward_reconcile_errors_total",
                   {{"resource", "configmaps"}, {"reason", "InternalError"}}) == 2);
  CHECK(env.metric("steward_reconcile_total",
                   {{"resource", "configmaps"}, {"result", "transient_error"}}) == 3);
}

TEST_CASE("a reconcile the open circuit breaker refused is retried when it probes, not on the key's backoff",
          "[testapi]") {
  // Two failures open steward's breaker for 3 s; a key's own retry is a minute away.
  LoopEnv env(kube::ClientOptions{
      .retry = {.max_attempts = 1},
      .breaker = {.failure_threshold = 2,
                  .open_for = std::chrono::seconds(3),
                  .max_open_for = std::chrono::seconds(3)}});
  env.backoff = {.base = std::chrono::seconds(60), .cap = std::chrono::seconds(60)};
  write_file(env.manifests / "settings.yaml", kConfigMapYaml);
  env.start();
  REQUIRE(env.converged());

  // Open the breaker with requests of steward's client that fail, then delete the ConfigMap: the
  // re-create is refused without reaching the server, and must come back when the breaker probes.
  const std::string probe = "/api/v1/namespaces/" + env.ns + "/configmaps/probe";
  env.faults(R"({"failRequests":[{"method":"GET","path":")" + probe + R"(","code":503,"count":2}]})");
  for (int i = 0; i < 2; ++i) REQUIRE(env.loop.sync(env.client.get(kConfigMaps, env.ns, "probe")).error);
  REQUIRE(env.client.breaker_state() == kube::CircuitBreaker::State::open);
  REQUIRE(env.loop.sync(env.other.remove(kConfigMaps, env.ns, "settings")).ok());
  REQUIRE(eventually([&] {
    return env.metric("steward_reconcile_errors_total",
                      {{"resource", "configmaps"}, {"reason", "Network"}}) >= 1;
  }));
  CHECK(eventually([&] { return env.data("settings", "color") == "blue"; }));
  CHECK(env.converged());
}

TEST_CASE("an existing object without steward's marks is adopted only without a conflict, or when told") {
  LoopEnv env;
  // Made by someone else with server-side apply: their manager owns data.color ("red").
  const auto made_by_kubectl = [&](const std::string& name, const std::string& color) {
    REQUIRE(env.loop.sync(env.other.apply(kConfigMaps, env.ns,
        json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name +
             R"("},"data":{"color":")" + color + R"("}})"),
        kube::ApplyOptions{.field_manager = "kubectl", .force = false})).ok());
  };
  made_by_kubectl("theirs", "red");
  made_by_kubectl("agreed", "blue");  // the same value steward's manifest sets: no conflict
  write_file(env.manifests / "a.yaml",
             "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: theirs}\ndata: {color: blue}\n---\n"
             "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: agreed}\ndata: {color: blue}\n");
  env.start();
  // adopt: IfNoConflict. The conflicting one is left as it is, as a permanent error naming the
  // manager and the field; the other is adopted (it now carries steward's marks).
  REQUIRE(eventually([&] { return env.controller->status().stuck(); }));
  const auto status = env.controller->status();
  REQUIRE(status.failures.size() == 1);
  CHECK_THAT(status.failures[0], Catch::Contains("ConfigMap " + env.ns + "/theirs") &&
                                     Catch::Contains("not adopted") &&
                                     Catch::Contains("kubectl") && Catch::Contains(".data.color"));
  CHECK(env.data("theirs", "color") == "red");
  const auto agreed = env.get(kConfigMaps, env.ns, "agreed");
  REQUIRE(agreed);
  CHECK(reconcile::owning_source(*agreed) == env.ns);
  CHECK(env.events("theirs", "ApplyFailed").size() == 1);
  env.controller->stop();

  // adopt: Always takes the field over.
  env.adopt = reconcile::Adopt::kAlways;
  env.start();
  REQUIRE(env.converged());
  CHECK(env.data("theirs", "color") == "blue");
  env.controller->stop();

  // adopt: Never refuses any existing object without the marks.
  made_by_kubectl("another", "blue");
  write_file(env.manifests / "b.yaml",
             "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: another}\ndata: {color: blue}\n");
  env.adopt = reconcile::Adopt::kNever;
  env.start();
  REQUIRE(eventually([&] { return env.controller->status().stuck(); }));
  const auto never = env.controller->status();
  REQUIRE(never.failures.size() == 1);
  CHECK_THAT(never.failures[0], Catch::Contains("another") && Catch::Contains("adopt: Never"));
  CHECK(reconcile::owning_source(*env.get(kConfigMaps, env.ns, "another")).empty());
}

namespace {

std::string label(const kube::Object& object, std::string_view name) {
  return std::string(kube::string_at(object, {"metadata", "labels", name}));
}
std::string annotation(const kube::Object& object, std::string_view name) {
  return std::string(kube::string_at(object, {"metadata", "annotations", name}));
}

const char* kSecretYaml = R"(apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {user: app}
)";

}  // namespace

TEST_CASE("an unmarked Deployment edited by kubectl apply --server-side is adopted only with "
          "adopt: Always") {
  LoopEnv env;
  // What `kubectl apply --server-side` sends: field manager "kubectl", no force; it owns replicas.
  // JSON, which is YAML too: the manifest file holds the same text.
  const auto deployment = [](int replicas) {
    return R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api"},)"
           R"("spec":{"replicas":)" + std::to_string(replicas) +
           R"(,"selector":{"matchLabels":{"app":"api"}},"template":{"metadata":{"labels":)"
           R"({"app":"api"}},"spec":{"containers":[{"name":"api","image":"nginx:1.25"}]}}}})";
  };
  REQUIRE(env.loop.sync(env.other.apply(kDeployments, env.ns, json(deployment(2)),
                                        kube::ApplyOptions{.field_manager = "kubectl",
                                                           .force = false})).ok());
  write_file(env.manifests / "api.yaml", deployment(3));
  env.start();
  REQUIRE(eventually([&] { return env.controller->status().stuck(); }));
  const auto status = env.controller->status();
  REQUIRE(status.failures.size() == 1);
  CHECK_THAT(status.failures[0], Catch::Contains("not adopted") && Catch::Contains("kubectl") &&
                                     Catch::Contains(".spec.replicas"));
  auto live = env.get(kDeployments, env.ns, "api");
  REQUIRE(live);
  CHECK((*live)["spec"]["replicas"].GetInt() == 2);
  CHECK(reconcile::owning_source(*live).empty());
  env.controller->stop();

  env.adopt = reconcile::Adopt::kAlways;
  env.start();
  REQUIRE(env.converged());
  live = env.get(kDeployments, env.ns, "api");
  CHECK((*live)["spec"]["replicas"].GetInt() == 3);
  CHECK(reconcile::owning_source(*live) == env.ns);
}

TEST_CASE("inventory: the parent lists the source's kinds, its members carry its id, and a kind "
          "removed from the manifests is pruned after a restart") {
  LoopEnv env;
  env.instance = "steward";
  write_file(env.manifests / "cm.yaml", kConfigMapYaml);
  write_file(env.manifests / "secret.yaml", kSecretYaml);
  env.start(true);
  REQUIRE(env.converged());

  const std::string id = env.applyset_id("steward");
  const auto parent = env.parent("steward");
  REQUIRE(parent);
  CHECK(label(*parent, desired::kApplySetIdLabel) == id);
  CHECK(annotation(*parent, desired::kToolingAnnotation) == "steward/v0.0.0-test");
  CHECK(annotation(*parent, desired::kContainsGroupKindsAnnotation) == "ConfigMap,Secret");
  CHECK(annotation(*parent, desired::kAdditionalNamespacesAnnotation).empty());
  for (const auto& [type, name] : {std::pair{kConfigMaps, "settings"}, {kSecrets, "creds"}}) {
    const auto member = env.get(type, env.ns, name);
    REQUIRE(member);
    CHECK(label(*member, desired::kPartOfLabel) == id);
  }
  env.controller->stop();

  // The Secret leaves the manifests while steward is down: after the restart no manifest names the
  // kind, and only the parent says to watch it.
  fs::remove(env.manifests / "secret.yaml");
  env.start(true);
  REQUIRE(eventually([&] { return env.get(kSecrets, env.ns, "creds") == nullptr; }));
  REQUIRE(env.converged());
  CHECK(env.data("settings", "color") == "blue");
  // Narrowed only once the Secret was gone.
  REQUIRE(eventually([&] {
    const auto now = env.parent("steward");
    return now && annotation(*now, desired::kContainsGroupKindsAnnotation) == "ConfigMap";
  }));
}

TEST_CASE("inventory: two instances with the same source name leave each other's objects alone") {
  LoopEnv env;
  // Instance a applies `settings`.
  env.instance = "a";
  write_file(env.manifests / "cm.yaml", kConfigMapYaml);
  env.start(true);
  REQUIRE(env.converged());
  env.controller->stop();

  // Instance b, same source name, prune on: its manifests hold another object, and `settings`
  // (a's) is neither pruned nor taken over.
  env.instance = "b";
  fs::remove(env.manifests / "cm.yaml");
  write_file(env.manifests / "keep.yaml", kKeepYaml);
  env.start(true);
  REQUIRE(env.converged());
  REQUIRE(env.get(kConfigMaps, env.ns, "keep"));
  const auto settings = env.get(kConfigMaps, env.ns, "settings");
  REQUIRE(settings);
  CHECK(label(*settings, desired::kPartOfLabel) == env.applyset_id("a"));
  env.controller->stop();

  // b's manifests name a's object too: a permanent error, and the object stays a's.
  write_file(env.manifests / "cm.yaml", kConfigMapYaml);
  env.start(true);
  REQUIRE(eventually([&] { return env.controller->status().stuck(); }));
  const auto status = env.controller->status();
  REQUIRE(status.failures.size() == 1);
  CHECK_THAT(status.failures[0], Catch::Contains("settings") &&
                                     Catch::Contains("member of ApplySet " + env.applyset_id("a")) &&
                                     Catch::Contains("adopt: Always"));
  CHECK(label(*env.get(kConfigMaps, env.ns, "settings"), desired::kPartOfLabel) ==
        env.applyset_id("a"));
  env.controller->stop();

  // And a, back with only `settings`, does not prune b's `keep`.
  env.instance = "a";
  fs::remove(env.manifests / "keep.yaml");
  env.start(true);
  REQUIRE(env.converged());
  CHECK(env.get(kConfigMaps, env.ns, "keep"));
  CHECK(env.get(kConfigMaps, env.ns, "settings"));
}

TEST_CASE("inventory: objects a steward before inventories applied join the default instance's "
          "set on its first run, and its leftovers are pruned") {
  LoopEnv env;
  write_file(env.manifests / "cm.yaml", kConfigMapYaml);
  write_file(env.manifests / "keep.yaml", kKeepYaml);
  env.start(true);  // no inventory: steward's marks without a part-of label
  REQUIRE(env.converged());
  REQUIRE(label(*env.get(kConfigMaps, env.ns, "keep"), desired::kPartOfLabel).empty());
  env.controller->stop();

  // Another instance leaves them alone: they are not its own.
  env.instance = "other";
  fs::remove(env.manifests / "keep.yaml");
  write_file(env.manifests / "cm.yaml", R"(apiVersion: v1
kind: ConfigMap
metadata: {name: unrelated}
data: {a: "1"}
)");
  env.start(true);
  REQUIRE(env.converged());
  CHECK(env.get(kConfigMaps, env.ns, "keep"));
  CHECK(label(*env.get(kConfigMaps, env.ns, "settings"), desired::kPartOfLabel).empty());
  env.controller->stop();
  REQUIRE(env.loop.sync(env.other.remove(kConfigMaps, env.ns, "unrelated")).ok());

  // The default instance takes them in: `settings`, still desired, is labelled; `keep`, gone from
  // the manifests, is pruned.
  env.instance = "steward";
  write_file(env.manifests / "cm.yaml", kConfigMapYaml);
  env.start(true);
  REQUIRE(env.converged());
  REQUIRE(eventually([&] { return env.get(kConfigMaps, env.ns, "keep") == nullptr; }));
  CHECK(label(*env.get(kConfigMaps, env.ns, "settings"), desired::kPartOfLabel) ==
        env.applyset_id("steward"));
}

TEST_CASE("inventory: a kind the server no longer serves is dropped from the parent") {
  LoopEnv env;
  env.instance = "steward";
  // A parent as an earlier run left it, listing a kind whose CRD has gone since.
  env.make_parent("steward",
                  R"("labels":{"applyset.kubernetes.io/id":")" + env.applyset_id("steward") +
                      R"("},"annotations":{"applyset.kubernetes.io/tooling":"steward/v0.0.0-test",)"
                      R"("applyset.kubernetes.io/contains-group-kinds":"ConfigMap,Gadget.gone.example.com"})");
  write_file(env.manifests / "cm.yaml", kConfigMapYaml);
  env.start(true);
  REQUIRE(env.converged());
  REQUIRE(eventually([&] {
    const auto parent = env.parent("steward");
    return parent && annotation(*parent, desired::kContainsGroupKindsAnnotation) == "ConfigMap";
  }));
}

TEST_CASE("inventory: a parent another tool owns is never written, and nothing is applied") {
  LoopEnv env;
  env.instance = "steward";
  env.make_parent("steward", R"("annotations":{"applyset.kubernetes.io/tooling":"kubectl/v1.29"})");
  write_file(env.manifests / "cm.yaml", kConfigMapYaml);
  env.start(true);
  REQUIRE(eventually([&] { return env.controller->status().stuck(); }));
  const auto status = env.controller->status();
  REQUIRE(status.failures.size() == 1);
  CHECK_THAT(status.failures[0], Catch::Contains("ApplySet parent of another tool (kubectl/v1.29)"));
  CHECK(env.get(kConfigMaps, env.ns, "settings") == nullptr);
  CHECK(annotation(*env.parent("steward"), desired::kToolingAnnotation) == "kubectl/v1.29");
}

TEST_CASE("inventory: the parent lists a new namespace before the first object in it is created",
          "[testapi]") {
  LoopEnv env;
  env.instance = "steward";
  write_file(env.manifests / "cm.yaml", kConfigMapYaml);
  env.start(true);
  REQUIRE(env.converged());
  const std::string second = fresh_namespace();
  REQUIRE(env.loop.sync(env.other.create(kNamespaces, "",
      json(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")" + second + R"("}})"))).ok());
  write_file(env.manifests / "there.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: there, "
                                           "namespace: " + second + "}\ndata: {a: \"1\"}\n");
  env.controller->reload_all();
  REQUIRE(eventually([&] { return env.get(kConfigMaps, second, "there") != nullptr; }));
  REQUIRE(env.converged());
  const auto parent = env.parent("steward");
  REQUIRE(parent);
  CHECK(annotation(*parent, desired::kAdditionalNamespacesAnnotation) == second);

  // In the server's write log, the parent's widening comes before the create it covers.
  const std::string parent_path = "/api/v1/namespaces/" + env.ns + "/secrets/" +
                                  desired::applyset_parent_name("steward", env.ns);
  const std::string object_path = "/api/v1/namespaces/" + second + "/configmaps/there";
  std::optional<std::size_t> widened, created;
  const auto writes = env.writes();
  for (std::size_t i = 0; i < writes.size(); ++i) {
    if (writes[i].path == parent_path) widened = i;  // the last one before the create
    if (writes[i].path == object_path) {
      created = i;
      break;
    }
  }
  REQUIRE(widened);
  REQUIRE(created);
  CHECK(*widened < *created);
}

TEST_CASE("prunes delete custom resources before their CRD and what a Namespace holds before it",
          "[testapi]") {
  // The order is read from steward-testapi's write log, which a real server does not keep.
  LoopEnv env;
  const std::string zz = env.ns + "-zz";
  write_file(env.manifests / "keep.yaml", kKeepYaml);
  write_file(env.manifests / "namespace.yaml",
             "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + zz + "}\n");
  write_file(env.manifests / "app.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, "
                                         "namespace: " + zz + "}\ndata: {a: \"1\"}\n");
  write_widget_manifests(env.manifests);
  env.backoff.cap = std::chrono::seconds(1);  // the refused deletes below come back a second later
  env.start(true);
  REQUIRE(env.converged());

  const std::string app = "/api/v1/namespaces/" + zz + "/configmaps/app";
  const std::string widget = "/apis/example.com/v1/namespaces/" + env.ns + "/widgets/w1";
  const std::string namespace_path = "/api/v1/namespaces/" + zz;
  const std::string crd = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com";
  // The first delete of the ConfigMap and of the Widget is refused (a permanent error): without
  // the order, the Namespace and the CRD would be deleted in the second those two wait.
  env.faults(R"({"failRequests":[{"method":"DELETE","path":")" + app +
             R"(","code":403,"count":1},{"method":"DELETE","path":")" + widget +
             R"(","code":403,"count":1}]})");
  for (const char* file : {"namespace.yaml", "app.yaml", "crd.yaml", "widget.yaml"}) {
    fs::remove(env.manifests / file);
  }
  REQUIRE(env.controller->reload(env.ns).accepted);
  REQUIRE(eventually([&] {
    return !env.get(kNamespaces, "", zz) && !env.get(kCrds, "", "widgets.example.com");
  }));

  const std::vector<TestApiWrite> writes = env.writes();
  std::string log;
  for (const auto& write : writes) {
    if (write.method == "DELETE") log += write.path + " " + std::to_string(write.code) + "\n";
  }
  INFO("DELETEs in the server's order:\n" << log);
  // Where in the log the first DELETE of `path` stands (answered 2xx when `ok`); the end if none.
  const auto first_delete = [&](const std::string& path, bool ok) {
    return std::find_if(writes.begin(), writes.end(), [&](const TestApiWrite& write) {
             return write.method == "DELETE" && write.path == path && (!ok || write.ok());
           }) - writes.begin();
  };
  const auto end = static_cast<std::ptrdiff_t>(writes.size());
  // The refusals happened...
  CHECK(first_delete(app, false) < first_delete(app, true));
  CHECK(first_delete(widget, false) < first_delete(widget, true));
  // ...and the Namespace and the CRD were deleted only after what depends on them was.
  CHECK(first_delete(app, true) < first_delete(namespace_path, false));
  CHECK(first_delete(namespace_path, false) < end);
  CHECK(first_delete(widget, true) < first_delete(crd, false));
  CHECK(first_delete(crd, false) < end);
}

TEST_CASE("a Namespace holding an object steward did not make is kept while steward's objects in "
          "it are pruned, until it opts out of the check") {
  LoopEnv env;
  const std::string kept = env.ns + "-kept";
  const auto namespace_yaml = [&](const std::string& metadata) {
    return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + kept + "\n" + metadata;
  };
  write_file(env.manifests / "keep.yaml", kKeepYaml);
  write_file(env.manifests / "namespace.yaml", namespace_yaml(""));
  write_file(env.manifests / "app.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, "
                                         "namespace: " + kept + "}\ndata: {a: \"1\"}\n");
  env.start(true);
  REQUIRE(env.converged());
  // Someone else's ConfigMap, and what kube-controller-manager (which no test server runs) puts
  // in every namespace, which must not keep it.
  for (const std::string name : {"foreign", "kube-root-ca.crt"}) {
    REQUIRE(env.loop.sync(env.other.create(kConfigMaps, kept,
        json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name + R"("}})")))
                .ok());
  }
  const kube::ResourceType service_accounts{"", "v1", "serviceaccounts", "ServiceAccount", true};
  REQUIRE(env.loop.sync(env.other.create(service_accounts, kept,
      json(R"({"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"default"}})"))).ok());

  StdoutCapture log;
  fs::remove(env.manifests / "namespace.yaml");
  fs::remove(env.manifests / "app.yaml");
  REQUIRE(env.controller->reload(env.ns).accepted);
  const std::map<std::string, std::string> not_empty{{"reason", "namespace-not-empty"}};
  REQUIRE(eventually([&] { return env.metric("steward_prune_blocked_total", not_empty) >= 1; }));
  CHECK(env.get(kConfigMaps, kept, "app") == nullptr);  // steward's: pruned first
  CHECK(env.get(kConfigMaps, kept, "foreign") != nullptr);
  const auto live = env.get(kNamespaces, "", kept);
  REQUIRE(live);
  CHECK_FALSE((*live)["metadata"].HasMember("deletionTimestamp"));
  // What kept it is named in the failure, a log line and a Warning Event on the Namespace.
  const std::string why = "Namespace " + kept + " kept: it holds ConfigMap " + kept +
                          "/foreign, which steward did not make";
  const auto failures = env.controller->status().failures;
  CHECK(std::any_of(failures.begin(), failures.end(), [&](const std::string& line) {
    return line.find(why) != std::string::npos;
  }));
  CHECK(log.lines_with({R"("msg":"prune blocked")", why}) >= 1);
  // Events about cluster-scoped objects go to kube-system (event_recorder.cpp says why).
  CHECK(eventually([&] {
    const auto events = env.loop.sync(env.other.list_all(kEvents, "kube-system", {}));
    return events.ok() && std::any_of(events.items.begin(), events.items.end(), [&](const auto& e) {
             return kube::string_at(*e, {"regarding", "name"}) == kept &&
                    kube::string_at(*e, {"reason"}) == "PruneBlocked" &&
                    kube::string_at(*e, {"type"}) == "Warning" &&
                    kube::string_at(*e, {"note"}).find(why) != std::string_view::npos;
           });
  }));

  // The manifest opts out: steward applies the annotation to the live Namespace, where the prune
  // reads it once the manifest is gone.
  write_file(env.manifests / "namespace.yaml",
             namespace_yaml("  annotations: {steward.dev/prune: namespace-contents}\n"));
  REQUIRE(env.controller->reload(env.ns).accepted);
  REQUIRE(eventually([&] {
    const auto annotated = env.get(kNamespaces, "", kept);
    return annotated && reconcile::prunes_with_contents(*annotated);
  }));
  fs::remove(env.manifests / "namespace.yaml");
  REQUIRE(env.controller->reload(env.ns).accepted);
  // Deleted: gone from steward-testapi at once; Terminating on a real server, which has no
  // namespace controller to empty it.
  CHECK(eventually([&] {
    const auto deleted = env.get(kNamespaces, "", kept);
    return !deleted || (*deleted)["metadata"].HasMember("deletionTimestamp");
  }));
}

// Opt-outs (desired/opt_outs.hpp, reconcile/opt_outs.hpp) and suspended sources (issue #18).
namespace {

// ConfigMap `name` with data color: `color` and the annotations (YAML flow mapping members).
std::string annotated_config_map(const std::string& name, const std::string& annotations,
                                 const std::string& color = "blue") {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name +
         "\n  annotations: {" + annotations + "}\ndata: {color: " + color + "}\n";
}

// Someone else sets data.color of ConfigMap `name`, a field steward owns.
void paint(LoopEnv& env, const std::string& name, const std::string& color) {
  REQUIRE(env.loop.sync(env.other.apply(kConfigMaps, env.ns,
      json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name +
           R"("},"data":{"color":")" + color + R"("}})"),
      kube::ApplyOptions{.field_manager = "intruder", .force = true})).ok());
}

// The DELETE requests the server answered for the object at `path`.
std::size_t deletes_of(LoopEnv& env, const std::string& path) {
  std::size_t n = 0;
  for (const auto& write : env.writes(path)) n += write.method == "DELETE";
  return n;
}

const char* kDeploymentWithForce = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations: {FORCE}
spec:
  replicas: 1
  selector: {matchLabels: {app: APP}}
  template:
    metadata: {labels: {app: APP}}
    spec:
      containers: [{name: web, image: nginx:1.25}]
)";

std::string deployment(const std::string& app, bool force) {
  std::string yaml = kDeploymentWithForce;
  yaml.replace(yaml.find("FORCE"), 5, force ? "steward.dev/force: enabled" : "");
  for (std::size_t at = yaml.find("APP"); at != std::string::npos; at = yaml.find("APP"))
    yaml.replace(at, 3, app);
  return yaml;
}

}  // namespace

// ---- ignore rules (issue 18) ----------------------------------------------------------------

namespace {

// A Deployment `web` as JSON (which is YAML too): the manifest file holds this text.
std::string web_deployment(int replicas, const std::string& image) {
  return R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},)"
         R"("spec":{"replicas":)" + std::to_string(replicas) +
         R"(,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":)"
         R"({"app":"web"}},"spec":{"containers":[{"name":"web","image":")" + image +
         R"("}]}}}})";
}

reconcile::IgnoreRule ignore_replicas() {
  reconcile::IgnoreRule rule;
  rule.paths = {"/spec/replicas"};
  rule.target.kind = "Deployment";
  return rule;
}

// What `kubectl edit` (or `kubectl replace --field-manager=...`) does: an Update (PUT) by field
// manager `manager` of the live Deployment web with `change` made to it.
void update_web_as(LoopEnv& env, const std::string& manager,
                   const std::function<void(kube::Object&)>& change) {
  auto live = env.get(kDeployments, env.ns, "web");
  REQUIRE(live);
  change(*live);
  kube::HttpRequest put{.method = "PUT",
                        .target = "/apis/apps/v1/namespaces/" + env.ns +
                                  "/deployments/web?fieldManager=" + manager,
                        .content_type = "application/json",
                        .body = kube::to_json(*live),
                        .verb = "update"};
  const kube::Reply reply = env.loop.sync(env.other.request(std::move(put)));
  INFO((reply.ok() ? std::string() : reply.error->to_string()));
  REQUIRE(reply.ok());
}

int web_replicas(LoopEnv& env) {
  auto live = env.get(kDeployments, env.ns, "web");
  return live ? (*live)["spec"]["replicas"].GetInt() : -1;
}

std::string web_image(LoopEnv& env) {
  auto live = env.get(kDeployments, env.ns, "web");
  if (!live) return "<absent>";
  return std::string(
      kube::string_at((*live)["spec"]["template"]["spec"]["containers"][0], {"image"}));
}

// Waits for `n` more reconciles that found the key in sync (resyncs re-deliver it every second).
void wait_for_resyncs(LoopEnv& env, std::uint64_t n) {
  const auto before = env.controller->stats().in_sync;
  REQUIRE(eventually([&] { return env.controller->stats().in_sync >= before + n; }));
}

}  // namespace

TEST_CASE("opt-outs: reconcile disabled creates the object, then neither reverts nor prunes it",
          "[testapi]") {
  LoopEnv env;
  write_file(env.manifests / "settings.yaml",
             annotated_config_map("settings", "steward.dev/reconcile: disabled"));
  write_file(env.manifests / "keep.yaml", kKeepYaml);
  env.start(true);
  REQUIRE(env.converged());
  REQUIRE(env.data("settings", "color") == "blue");

  // Drift is measured, not corrected.
  const std::map<std::string, std::string> configmaps{{"resource", "configmaps"}};
  const auto in_sync_before = env.controller->stats().in_sync;
  paint(env, "settings", "red");
  REQUIRE(eventually([&] { return env.metric("steward_drift_detected_total", configmaps) >= 1; }));
  REQUIRE(env.converged());
  CHECK(env.controller->stats().in_sync > in_sync_before);
  CHECK(env.data("settings", "color") == "red");
  CHECK(env.metric("steward_drift_corrected_total", configmaps) == 0);

  // A new desired value is not applied either.
  write_file(env.manifests / "settings.yaml",
             annotated_config_map("settings", "steward.dev/reconcile: disabled", "green"));
  REQUIRE(env.controller->reload(env.ns).accepted);
  REQUIRE(env.converged());
  CHECK(env.data("settings", "color") == "red");

  // Removed from the manifests: kept, released from steward's marks.
  const std::string path = "/api/v1/namespaces/" + env.ns + "/configmaps/settings";
  fs::remove(env.manifests / "settings.yaml");
  REQUIRE(env.controller->reload(env.ns).accepted);
  REQUIRE(eventually([&] {
    const auto live = env.get(kConfigMaps, env.ns, "settings");
    return live && label(*live, "app.kubernetes.io/managed-by").empty();
  }));
  REQUIRE(env.converged());
  CHECK(env.data("settings", "color") == "red");
  CHECK(deletes_of(env, path) == 0);
  CHECK(env.controller->stats().prunes == 0);
}

TEST_CASE("opt-outs: prune disabled keeps a removed object and takes it out of the inventory",
          "[testapi]") {
  LoopEnv env;
  env.instance = "steward";
  write_file(env.manifests / "settings.yaml",
             annotated_config_map("settings", "steward.dev/prune: disabled"));
  write_file(env.manifests / "creds.yaml", kSecretYaml);
  env.start(true);
  REQUIRE(env.converged());
  const std::string id = env.applyset_id("steward");
  REQUIRE(label(*env.get(kConfigMaps, env.ns, "settings"), desired::kPartOfLabel) == id);
  REQUIRE(annotation(*env.parent("steward"), desired::kContainsGroupKindsAnnotation) ==
          "ConfigMap,Secret");
  // Applied as usual while desired.
  paint(env, "settings", "red");
  REQUIRE(eventually([&] { return env.data("settings", "color") == "blue"; }));

  fs::remove(env.manifests / "settings.yaml");
  REQUIRE(env.controller->reload(env.ns).accepted);
  REQUIRE(eventually([&] {
    const auto live = env.get(kConfigMaps, env.ns, "settings");
    return live && label(*live, desired::kPartOfLabel).empty() &&
           label(*live, "app.kubernetes.io/managed-by").empty();
  }));
  REQUIRE(env.converged());
  CHECK(env.data("settings", "color") == "blue");
  CHECK(deletes_of(env, "/api/v1/namespaces/" + env.ns + "/configmaps/settings") == 0);
  // No member of its kind is left: the parent stops listing ConfigMaps.
  REQUIRE(eventually([&] {
    const auto now = env.parent("steward");
    return now && annotation(*now, desired::kContainsGroupKindsAnnotation) == "Secret";
  }));
  // Released, it is no longer steward's: edits stay.
  paint(env, "settings", "red");
  REQUIRE(env.converged());
  CHECK(env.data("settings", "color") == "red");
}

TEST_CASE("opt-outs: objects kept by prune disabled do not count toward pruneFraction",
          "[testapi]") {
  LoopEnv env;
  for (const std::string name : {"a", "b", "c"}) {
    write_file(env.manifests / (name + ".yaml"),
               annotated_config_map(name, "steward.dev/prune: disabled"));
  }
  write_file(env.manifests / "d.yaml", annotated_config_map("d", "example.com/plain: \"yes\""));
  write_file(env.manifests / "e.yaml", annotated_config_map("e", "example.com/plain: \"yes\""));
  env.start(true, false, std::chrono::seconds(600), 0.5);
  REQUIRE(env.converged());

  // Four of five leave the source, three of them kept: one delete of five is within 0.5.
  for (const std::string name : {"a", "b", "c", "d"}) fs::remove(env.manifests / (name + ".yaml"));
  REQUIRE(env.controller->reload(env.ns).accepted);
  REQUIRE(eventually([&] {
    for (const std::string name : {"a", "b", "c"}) {
      const auto live = env.get(kConfigMaps, env.ns, name);
      if (!live || !label(*live, "app.kubernetes.io/managed-by").empty()) return false;
    }
    return env.data("d", "color") == "<absent>";
  }));
  REQUIRE(env.converged());
  CHECK(env.controller->status().prune_refused.empty());
  CHECK(env.controller->stats().prunes == 1);
  for (const std::string name : {"a", "b", "c"}) {
    CHECK(deletes_of(env, "/api/v1/namespaces/" + env.ns + "/configmaps/" + name) == 0);
  }
  CHECK(env.data("e", "color") == "blue");
}

TEST_CASE("a correction the cache has not shown yet is not applied again on its stale view",
          "[testapi]") {
  LoopEnv env;
  write_file(env.manifests / "settings.yaml", kConfigMapYaml);
  env.start(false, false, std::chrono::seconds(1));  // resync every second: many stale looks
  REQUIRE(env.converged());
  // Suspended, steward sees the paint and holds back (still counted as drift).
  env.set_suspend(true);
  paint(env, "settings", "red");
  const std::map<std::string, std::string> configmaps{{"resource", "configmaps"}};
  REQUIRE(eventually(
      [&] { return env.metric("steward_drift_detected_total", configmaps) >= 1; }));
  // The watch event of steward's correction gets lost: its cache keeps showing the paint, as a
  // real server's lagging watch does for a moment.
  REQUIRE(env.loop.sync(post_faults(env.other, R"({"dropWatchEvents":[{"path":"/api/v1/namespaces/)" +
                                                   env.ns + R"(/configmaps/settings","count":1}]})"))
              .ok());
  const auto applies = env.controller->stats().applies;
  env.set_suspend(false);
  REQUIRE(eventually([&] { return env.controller->stats().applies == applies + 1; }));
  CHECK(env.data("settings", "color") == "blue");
  // Every resync hands the stale view over again: the correction is not sent again.
  const auto in_sync = env.controller->stats().in_sync;
  REQUIRE(eventually([&] { return env.controller->stats().in_sync >= in_sync + 3; }));
  CHECK(env.controller->stats().applies == applies + 1);
  // The next change the cache does show is judged as usual.
  paint(env, "settings", "green");
  REQUIRE(eventually([&] { return env.controller->stats().applies == applies + 2; }));
  REQUIRE(eventually([&] { return env.data("settings", "color") == "blue"; }));
}

TEST_CASE("a restart on a cluster in sync writes nothing, normalised values included, and corrects "
          "what was edited meanwhile") {
  LoopEnv env;
  write_file(env.manifests / "web.yaml", kNormalisedDeploymentYaml);
  write_file(env.manifests / "settings.yaml", kConfigMapYaml);
  env.start();
  REQUIRE(env.converged());
  const auto cpu = [&] {
    const auto live = env.get(kDeployments, env.ns, "web");
    return live ? std::string(kube::string_at(
                      (*live)["spec"]["template"]["spec"]["containers"][0],
                      {"resources", "requests", "cpu"}))
                : std::string();
  };
  REQUIRE(cpu() == "500m");
  REQUIRE(env.controller->stats().applies == 2);
  env.controller->stop();

  // The memo of the server's answer died with that steward. This one finds cpu 500m against the
  // manifest's 0.5, and steward's apply still owning the field: nothing to write.
  env.start();
  REQUIRE(env.converged());
  CHECK(env.controller->stats().applies == 0);
  CHECK(env.controller->stats().in_sync >= 2);
  CHECK(env.metric("steward_drift_detected_total", {{"resource", "deployments.apps"}}) == 0);
  // The memo it took from the server holds from now on: a resync or an event writes nothing.
  // The other object, painted, is drift: its field went to the painter.
  paint(env, "settings", "red");
  REQUIRE(eventually([&] { return env.controller->stats().applies == 1; }));
  REQUIRE(env.converged());
  CHECK(env.data("settings", "color") == "blue");
  CHECK(env.controller->stats().applies == 1);
  env.controller->stop();

  // Edited while steward is down: the server gives the field to kubectl-edit, so it is drift.
  kube::HttpRequest edit{
      .method = "PATCH",
      .target = "/apis/apps/v1/namespaces/" + env.ns + "/deployments/web?fieldManager=kubectl-edit",
      .content_type = "application/merge-patch+json",
      .body = R"({"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.25",)"
              R"("resources":{"requests":{"cpu":"700m","memory":"64Mi"}}}]}}}})",
      .verb = "patch"};
  REQUIRE(env.loop.sync(env.other.request(std::move(edit))).ok());
  REQUIRE(cpu() == "700m");
  env.start();
  REQUIRE(eventually([&] { return cpu() == "500m"; }));
  REQUIRE(env.converged());
  // Once, or twice when a reconcile reads the cache before it shows the correction (the real
  // server's watch may lag the apply's answer).
  CHECK(env.controller->stats().applies >= 1);
  CHECK(env.controller->stats().applies <= 2);
}

TEST_CASE("opt-outs: after a restart only steward's own apply of prune disabled keeps an object",
          "[testapi]") {
  LoopEnv env;
  write_file(env.manifests / "kept.yaml",
             annotated_config_map("kept", "steward.dev/prune: disabled"));
  write_file(env.manifests / "settings.yaml", kConfigMapYaml);
  write_file(env.manifests / "keep.yaml", kKeepYaml);
  env.start(true);
  REQUIRE(env.converged());
  // A user annotates the other object: the user's field, no switch of steward's.
  kube::HttpRequest annotate{
      .method = "PATCH",
      .target = "/api/v1/namespaces/" + env.ns + "/configmaps/settings?fieldManager=kubectl-annotate",
      .content_type = "application/merge-patch+json",
      .body = R"({"metadata":{"annotations":{"steward.dev/prune":"disabled"}}})",
      .verb = "patch"};
  REQUIRE(env.loop.sync(env.other.request(std::move(annotate))).ok());
  env.controller->stop();

  // Both leave the manifests while steward is down: nothing in memory says what they said.
  fs::remove(env.manifests / "kept.yaml");
  fs::remove(env.manifests / "settings.yaml");
  env.start(true);
  REQUIRE(eventually([&] { return env.get(kConfigMaps, env.ns, "settings") == nullptr; }));
  REQUIRE(eventually([&] {
    const auto live = env.get(kConfigMaps, env.ns, "kept");
    return live && label(*live, "app.kubernetes.io/managed-by").empty();
  }));
  REQUIRE(env.converged());
  CHECK(deletes_of(env, "/api/v1/namespaces/" + env.ns + "/configmaps/kept") == 0);
  CHECK(env.data("keep", "a") == "1");
}

TEST_CASE("opt-outs: ssa IfNotPresent creates once and then leaves the object alone", "[testapi]") {
  LoopEnv env;
  // One exists already, without steward's marks: not even adopted.
  REQUIRE(env.loop.sync(env.other.create(kConfigMaps, env.ns,
      json(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"theirs"},"data":{"color":"red"}})"))).ok());
  write_file(env.manifests / "theirs.yaml",
             annotated_config_map("theirs", "steward.dev/ssa: IfNotPresent"));
  write_file(env.manifests / "settings.yaml",
             annotated_config_map("settings", "steward.dev/ssa: IfNotPresent"));
  env.start();
  REQUIRE(env.converged());
  CHECK(env.data("settings", "color") == "blue");
  CHECK(env.data("theirs", "color") == "red");
  const std::string theirs = "/api/v1/namespaces/" + env.ns + "/configmaps/theirs";
  CHECK(env.writes(theirs).empty());  // steward only read it (the create above went to the collection)

  paint(env, "settings", "red");
  write_file(env.manifests / "settings.yaml",
             annotated_config_map("settings", "steward.dev/ssa: IfNotPresent", "green"));
  REQUIRE(env.controller->reload(env.ns).accepted);
  REQUIRE(env.converged());
  CHECK(env.data("settings", "color") == "red");
  CHECK(env.metric("steward_drift_detected_total", {{"resource", "configmaps"}}) == 0);

  // Deleted, it is created again.
  REQUIRE(env.loop.sync(env.other.remove(kConfigMaps, env.ns, "settings")).ok());
  REQUIRE(eventually([&] { return env.data("settings", "color") == "green"; }));
}

TEST_CASE("opt-outs: force re-creates an object whose immutable field changed, one DELETE and one "
          "apply after the 422",
          "[testapi]") {
  for (const bool force : {false, true}) {
    DYNAMIC_SECTION("force " << force) {
      LoopEnv env;
      write_file(env.manifests / "web.yaml", deployment("web", force));
      env.start();
      REQUIRE(env.converged());
      const auto before = env.get(kDeployments, env.ns, "web");
      REQUIRE(before);
      const std::string uid(kube::string_at(*before, {"metadata", "uid"}));
      const std::string path = "/apis/apps/v1/namespaces/" + env.ns + "/deployments/web";
      const std::size_t writes_before = env.writes(path).size();

      write_file(env.manifests / "web.yaml", deployment("www", force));
      REQUIRE(env.controller->reload(env.ns).accepted);
      if (!force) {
        // A permanent error naming the field, and the object as it was.
        REQUIRE(eventually([&] { return env.controller->status().stuck(); }));
        const auto status = env.controller->status();
        REQUIRE(status.failures.size() == 1);
        CHECK_THAT(status.failures[0], Catch::Contains("spec.selector is immutable") &&
                                           Catch::Contains("steward.dev/force: enabled"));
        CHECK(kube::string_at(*env.get(kDeployments, env.ns, "web"), {"metadata", "uid"}) == uid);
        continue;
      }
      REQUIRE(eventually([&] {
        const auto now = env.get(kDeployments, env.ns, "web");
        return now && kube::string_at(*now, {"spec", "selector", "matchLabels", "app"}) == "www";
      }));
      REQUIRE(env.converged());
      const auto after = env.get(kDeployments, env.ns, "web");
      CHECK(kube::string_at(*after, {"metadata", "uid"}) != uid);
      // The refused apply, then exactly one DELETE and one apply, in that order.
      auto writes = env.writes(path);
      writes.erase(writes.begin(), writes.begin() + static_cast<std::ptrdiff_t>(writes_before));
      std::string seen;
      for (const auto& write : writes) seen += write.method + " " + std::to_string(write.code) + "; ";
      INFO(seen);
      REQUIRE(writes.size() == 3);
      CHECK((writes[0].method == "PATCH" && writes[0].code == 422));
      CHECK((writes[1].method == "DELETE" && writes[1].ok()));
      CHECK((writes[2].method == "PATCH" && writes[2].code == 201));
      REQUIRE(eventually([&] { return env.events("web", "Recreated").size() == 1; }));
      const auto event = env.events("web", "Recreated")[0];
      CHECK(kube::string_at(*event, {"type"}) == "Warning");
      CHECK_THAT(std::string(kube::string_at(*event, {"note"})), Catch::Contains("spec.selector"));
    }
  }
}

TEST_CASE("suspend: nothing is applied or pruned, drift is counted, resuming catches up",
          "[testapi]") {
  LoopEnv env;
  write_file(env.manifests / "settings.yaml", kConfigMapYaml);
  write_file(env.manifests / "keep.yaml", kKeepYaml);
  env.start(true);
  REQUIRE(env.converged());
  const auto writes_before = env.writes().size();
  env.set_suspend(true);

  const std::map<std::string, std::string> configmaps{{"resource", "configmaps"}};
  paint(env, "settings", "red");
  REQUIRE(eventually([&] { return env.metric("steward_drift_detected_total", configmaps) >= 1; }));
  fs::remove(env.manifests / "keep.yaml");
  write_file(env.manifests / "new.yaml", annotated_config_map("new", ""));
  REQUIRE(env.controller->reload(env.ns).accepted);
  // Suspended is no failure: in sync as far as --once and readiness go, and named.
  REQUIRE(env.converged());
  CHECK(env.controller->status().suspended == std::vector<std::string>{env.ns});
  CHECK(env.data("settings", "color") == "red");
  CHECK(env.data("keep", "a") == "1");
  CHECK(env.data("new", "color") == "<absent>");
  // Only the intruder wrote.
  CHECK(env.writes().size() == writes_before + 1);

  env.set_suspend(false);
  REQUIRE(eventually([&] {
    return env.data("settings", "color") == "blue" && env.data("keep", "a") == "<absent>" &&
           env.data("new", "color") == "blue";
  }));
  REQUIRE(env.converged());
  CHECK(env.controller->status().suspended.empty());
}

TEST_CASE("ignore rules: replicas another manager set are left to it, the rest still rolls out, a "
          "re-create uses the manifest") {
  LoopEnv env;
  env.ignore = {ignore_replicas()};
  write_file(env.manifests / "web.yaml", web_deployment(2, "nginx:1.25"));
  env.start(false, false, std::chrono::seconds(1));
  REQUIRE(env.converged());
  REQUIRE(web_replicas(env) == 2);
  CHECK(env.controller->stats().applies == 1);

  update_web_as(env, "kubectl-edit", [](kube::Object& o) { o["spec"]["replicas"] = 5; });
  // Three resyncs that saw the Update (a resync may run before the watch delivers it: on a real
  // server that is a few milliseconds, so the count, not the resyncs, is waited for).
  REQUIRE(eventually(
      [&] { return env.metric("steward_ignored_fields_total", {{"source", env.ns}}) >= 3; }));
  CHECK(web_replicas(env) == 5);
  CHECK(env.controller->stats().applies == 1);  // no write over several resyncs
  CHECK(env.metric("steward_drift_detected_total", {{"resource", "deployments.apps"}}) == 0);

  // A manifest change elsewhere rolls out and leaves replicas to kubectl-edit.
  write_file(env.manifests / "web.yaml", web_deployment(2, "nginx:1.26"));
  REQUIRE(env.controller->reload(env.ns).accepted);
  REQUIRE(eventually([&] { return web_image(env) == "nginx:1.26"; }));
  REQUIRE(env.converged());
  wait_for_resyncs(env, 2);
  CHECK(web_replicas(env) == 5);
  CHECK(env.controller->stats().applies == 2);

  // Deleted: re-created from the manifest, replicas included.
  REQUIRE(env.loop.sync(env.other.remove(kDeployments, env.ns, "web")).ok());
  REQUIRE(eventually([&] { return web_replicas(env) == 2; }));
  REQUIRE(env.converged());
  CHECK(env.controller->stats().applies == 3);
}

TEST_CASE("ignore rules: without a rule another manager's replicas are reverted with one write") {
  LoopEnv env;
  write_file(env.manifests / "web.yaml", web_deployment(2, "nginx:1.25"));
  env.start(false, false, std::chrono::seconds(1));
  REQUIRE(env.converged());
  update_web_as(env, "kubectl-edit", [](kube::Object& o) { o["spec"]["replicas"] = 5; });
  REQUIRE(eventually([&] { return web_replicas(env) == 2; }));
  REQUIRE(env.converged());
  wait_for_resyncs(env, 2);
  CHECK(env.controller->stats().applies == 2);
  CHECK(env.metric("steward_ignored_fields_total", {{"source", env.ns}}) == 0);
}

TEST_CASE("ignore rules: replicas steward still owns (a 1.20 /scale write) keep their live value") {
  // steward-testapi has no /scale subresource. Its effect on 1.20 is a new value with ownership
  // unchanged (steward's Apply still owns spec.replicas), which an apply by field manager steward
  // of steward's own body with replicas 5 reproduces.
  LoopEnv env;
  env.ignore = {ignore_replicas()};
  write_file(env.manifests / "web.yaml", web_deployment(2, "nginx:1.25"));
  env.start(false, false, std::chrono::seconds(1));
  REQUIRE(env.converged());
  auto live = env.get(kDeployments, env.ns, "web");
  REQUIRE(live);
  rapidjson::Document scaled = json(web_deployment(5, "nginx:1.25"));
  auto& a = scaled.GetAllocator();
  scaled["metadata"].AddMember("labels", rapidjson::Value((*live)["metadata"]["labels"], a), a);
  scaled["metadata"].AddMember("annotations",
                               rapidjson::Value((*live)["metadata"]["annotations"], a), a);
  REQUIRE(env.loop.sync(env.other.apply(kDeployments, env.ns, scaled,
                                        kube::ApplyOptions{.field_manager = "steward"})).ok());
  REQUIRE(web_replicas(env) == 5);
  wait_for_resyncs(env, 3);
  CHECK(web_replicas(env) == 5);
  CHECK(env.controller->stats().applies == 1);

  // A manifest change elsewhere sends the live replicas: steward keeps the field, nothing resets.
  write_file(env.manifests / "web.yaml", web_deployment(2, "nginx:1.26"));
  REQUIRE(env.controller->reload(env.ns).accepted);
  REQUIRE(eventually([&] { return web_image(env) == "nginx:1.26"; }));
  REQUIRE(env.converged());
  wait_for_resyncs(env, 2);
  CHECK(web_replicas(env) == 5);
  CHECK(env.controller->stats().applies == 2);
}

TEST_CASE("ignore rules: a managers rule leaves that manager's fields alone and corrects the rest") {
  LoopEnv env;
  reconcile::IgnoreRule rule;
  rule.managers = {"kubectl-edit"};
  env.ignore = {rule};
  write_file(env.manifests / "web.yaml", web_deployment(2, "nginx:1.25"));
  env.start(false, false, std::chrono::seconds(1));
  REQUIRE(env.converged());

  update_web_as(env, "kubectl-edit", [](kube::Object& o) { o["spec"]["replicas"] = 7; });
  wait_for_resyncs(env, 3);
  CHECK(web_replicas(env) == 7);
  CHECK(env.controller->stats().applies == 1);

  // Someone the rule does not name changes the image: corrected, replicas still kubectl-edit's.
  update_web_as(env, "kubectl-set", [](kube::Object& o) {
    o["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:bad";
  });
  REQUIRE(eventually([&] { return web_image(env) == "nginx:1.25"; }));
  REQUIRE(env.converged());
  wait_for_resyncs(env, 2);
  CHECK(web_replicas(env) == 7);
  CHECK(env.controller->stats().applies == 2);
}

TEST_CASE("ignore rules: a manifest change of an ignored field is applied, once") {
  LoopEnv env;
  env.ignore = {ignore_replicas()};
  write_file(env.manifests / "web.yaml", web_deployment(2, "nginx:1.25"));
  env.start(false, false, std::chrono::seconds(1));
  REQUIRE(env.converged());
  update_web_as(env, "kubectl-edit", [](kube::Object& o) { o["spec"]["replicas"] = 5; });
  wait_for_resyncs(env, 2);
  REQUIRE(web_replicas(env) == 5);

  write_file(env.manifests / "web.yaml", web_deployment(3, "nginx:1.25"));
  REQUIRE(env.controller->reload(env.ns).accepted);
  REQUIRE(eventually([&] { return web_replicas(env) == 3; }));
  REQUIRE(env.converged());
  wait_for_resyncs(env, 3);
  CHECK(env.controller->stats().applies == 2);

  // The new value is steward's now, and still ignored: another edit is left alone.
  update_web_as(env, "kubectl-edit", [](kube::Object& o) { o["spec"]["replicas"] = 6; });
  wait_for_resyncs(env, 3);
  CHECK(web_replicas(env) == 6);
  CHECK(env.controller->stats().applies == 2);
}

TEST_CASE("ignore rules: steward diff lists an ignored field and never proposes to revert it") {
  LoopEnv env;
  env.ignore = {ignore_replicas()};
  write_file(env.manifests / "web.yaml", web_deployment(2, "nginx:1.25"));
  env.start();
  REQUIRE(env.converged());
  update_web_as(env, "kubectl-edit", [](kube::Object& o) { o["spec"]["replicas"] = 5; });
  env.controller->stop();
  const auto diff = [&](std::vector<reconcile::IgnoreRule> rules) {
    reconcile::Differ differ(env.client, env.discovery,
                             {{.spec = {.name = env.ns, .path = env.manifests,
                                        .default_namespace = env.ns},
                               .ignore = std::move(rules)}});
    return env.loop.sync(differ.run());
  };
  const reconcile::DiffReport with_rule = diff({ignore_replicas()});
  CHECK_FALSE(with_rule.failed());
  CHECK(with_rule.changes.empty());
  CHECK(with_rule.ignored ==
        std::vector<std::string>{"apps/Deployment " + env.ns + "/web: /spec/replicas ignored by "
                                 "ignore[0] (paths /spec/replicas): live 5, manifest 2 (left to "
                                 "its owner)"});
  const reconcile::DiffReport without = diff({});
  REQUIRE(without.changes.size() == 1);
  CHECK_THAT(without.changes[0].diff, Catch::Contains("-  replicas: 5") &&
                                          Catch::Contains("+  replicas: 2"));
  CHECK(without.ignored.empty());
}
